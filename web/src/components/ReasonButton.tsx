/**
 * A button that asks for a few words before acting (同意修改 with its note, 作废文号 with its
 * reason): the words are required, the API's refusal is shown in the dialog.
 */
import { useState } from 'react';
import { Alert, Button, Input, Modal, Typography } from 'antd';
import { ApiError } from '../api';

interface Props {
  label: string;
  title: string;
  okText: string;
  hint: string;
  placeholder: string;
  danger?: boolean;
  testId: string;
  textTestId: string;
  send: (text: string) => Promise<unknown>;
  onDone: () => void;
}

export function ReasonButton({ label, title, okText, hint, placeholder, danger, testId, textTestId, send, onDone }: Props) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [refusal, setRefusal] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setRefusal(undefined);
    try {
      await send(text);
      setOpen(false);
      onDone();
    } catch (err) {
      setRefusal(err instanceof ApiError ? err.message : '提交失败，请稍后再试');
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button danger={danger} onClick={() => setOpen(true)} data-testid={testId}>
        {label}
      </Button>
      <Modal open={open} title={title} okText={okText} okButtonProps={{ danger, disabled: text.trim() === '' }} cancelText="取消" confirmLoading={busy} onOk={() => void submit()} onCancel={() => setOpen(false)}>
        <Typography.Paragraph type="secondary">{hint}</Typography.Paragraph>
        <Input.TextArea value={text} onChange={(e) => setText(e.target.value)} maxLength={500} showCount autoSize={{ minRows: 2 }} placeholder={placeholder} data-testid={textTestId} />
        {refusal && <Alert type="error" showIcon title={refusal} style={{ marginTop: 12 }} />}
      </Modal>
    </>
  );
}
