/**
 * The step's other operations (GET /routes lists them with their calls) as buttons under the
 * decision form: each opens a small form and POSTs to its call. 办理 is the decision form itself;
 * 撤回 and 减签 are not offered here. A refusal's Chinese message stands by the buttons.
 */
import { useState } from 'react';
import { Alert, Button, DatePicker, Form, Input, Modal, Radio, Select, Space } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { api, ApiError, type RouteStep } from '../api';

type Values = Record<string, unknown>;

interface Props {
  taskId: string;
  docId: string;
  step: RouteStep;
  stepNames: Map<string, string>;
  /** leaves: the task is no longer mine (退回, 转办) — back to 待办; otherwise refresh. */
  onDone: (text: string, leaves: boolean) => void;
}

const SUPPORTED = ['return', 'transfer', 'circulate', 'chase', 'addSigner', 'progress', 'extension'];

/** The form's values to the body its call takes. */
function toBody(op: string, v: Values): Values {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string).trim() : undefined);
  const drop = (b: Values) => Object.fromEntries(Object.entries(b).filter(([, x]) => x !== undefined && x !== ''));
  switch (op) {
    case 'return':
      return drop({ to: v.to, reason: str('reason') });
    case 'transfer':
      return drop({ to: str('to'), reason: str('reason') });
    case 'circulate':
      return drop({
        readers: (str('readers') ?? '').split(/[\s,，、;；]+/).filter(Boolean),
        order: v.order,
        note: str('note'),
      });
    case 'addSigner':
      return drop({ username: str('username'), position: v.position, reason: str('reason') });
    case 'extension':
      return drop({ until: dayjs.isDayjs(v.until) ? v.until.format('YYYY-MM-DD') : undefined, reason: str('reason') });
    default:
      return drop({ note: str('note') });
  }
}

const SUCCESS: Record<string, string> = {
  return: '已退回',
  transfer: '已转办',
  circulate: '已送传阅',
  chase: '已催办',
  addSigner: '已加签',
  progress: '办理反馈已提交',
  extension: '延期申请已提交',
};

function Fields({ op, step, stepNames }: { op: string; step: RouteStep; stepNames: Map<string, string> }) {
  const need = (label: string) => [{ required: true, whitespace: true, message: `请填写${label}` }];
  const reason = (label = '理由', required = true) => (
    <Form.Item name="reason" label={label} rules={required ? need(label) : []}>
      <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} placeholder={`请填写${label}`} />
    </Form.Item>
  );
  switch (op) {
    case 'return':
      return (
        <>
          <Form.Item name="to" label="退回到" rules={[{ required: true, message: '请选择退回到哪一步' }]}>
            <Select placeholder="请选择步骤" options={(step.returnTo ?? []).map((id) => ({ value: id, label: stepNames.get(id) ?? id }))} data-testid="op-return-to" />
          </Form.Item>
          {reason('退回理由')}
        </>
      );
    case 'transfer':
      return (
        <>
          <Form.Item name="to" label="接办人用户名" rules={need('接办人用户名')}>
            <Input placeholder="例如 wujun" autoCapitalize="off" />
          </Form.Item>
          {reason('转办理由')}
        </>
      );
    case 'circulate':
      return (
        <>
          <Form.Item name="readers" label="阅件人" rules={need('阅件人')} extra="填写用户名，多人用逗号或空格隔开">
            <Input placeholder="例如 sunwei, zhoujie" autoCapitalize="off" />
          </Form.Item>
          <Form.Item name="order" label="方式">
            <Radio.Group optionType="button" buttonStyle="solid" options={[{ value: 'parallel', label: '同时' }, { value: 'rank', label: '按顺序' }]} />
          </Form.Item>
          <Form.Item name="note" label="说明">
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} placeholder="请填写说明（选填）" />
          </Form.Item>
        </>
      );
    case 'addSigner':
      return (
        <>
          <Form.Item name="username" label="用户名" rules={need('用户名')}>
            <Input placeholder="加签人的用户名" autoCapitalize="off" />
          </Form.Item>
          <Form.Item name="position" label="位置">
            <Radio.Group optionType="button" buttonStyle="solid" options={[{ value: 'before', label: '在本人之前' }, { value: 'after', label: '在本人之后' }]} />
          </Form.Item>
          {reason('加签理由')}
        </>
      );
    case 'extension':
      return (
        <>
          <Form.Item name="until" label="延期至" rules={[{ required: true, message: '请选择延期至' }]}>
            <DatePicker style={{ width: '100%' }} format="YYYY年M月D日" inputReadOnly placeholder="请选择日期" disabledDate={(d: Dayjs) => d.isBefore(dayjs(), 'day')} />
          </Form.Item>
          {reason('延期理由')}
        </>
      );
    case 'progress':
      return (
        <Form.Item name="note" label="办理情况" rules={need('办理情况')}>
          <Input.TextArea autoSize={{ minRows: 3, maxRows: 8 }} placeholder="请填写办理情况" />
        </Form.Item>
      );
    default: // chase
      return (
        <Form.Item name="note" label="说明">
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} placeholder="请填写说明（选填）" />
        </Form.Item>
      );
  }
}

export function StepOperations({ taskId, docId, step, stepNames, onDone }: Props) {
  const operations = (step.operations ?? []).filter((o) => SUPPORTED.includes(o.id) && (o.id !== 'return' || (step.returnTo ?? []).length > 0));
  const [open, setOpen] = useState<{ id: string; name: string; call: string }>();
  const [refusal, setRefusal] = useState<string>();
  const [sending, setSending] = useState(false);
  const [form] = Form.useForm<Values>();

  if (operations.length === 0) return null;

  const close = () => {
    setOpen(undefined);
    setRefusal(undefined);
    form.resetFields();
  };

  const submit = async (values: Values) => {
    if (!open) return;
    setRefusal(undefined);
    setSending(true);
    const [method, path] = open.call.split(' ');
    try {
      await api(method, path.replace('{taskId}', encodeURIComponent(taskId)).replace('{docId}', encodeURIComponent(docId)), toBody(open.id, values));
      const op = open.id;
      close();
      onDone(SUCCESS[op] ?? `${open.name}已提交`, op === 'return' || op === 'transfer');
    } catch (err) {
      setRefusal(err instanceof ApiError ? err.message : '提交失败，请稍后再试');
    } finally {
      setSending(false);
    }
  };

  return (
    <div style={{ marginTop: 16 }} data-testid="step-operations">
      <Space size={[8, 8]} wrap>
        {operations.map((o) => (
          <Button key={o.id} onClick={() => setOpen(o)} data-testid={`op-${o.id}`}>
            {o.name}
          </Button>
        ))}
      </Space>
      <Modal
        open={Boolean(open)}
        title={open ? `${open.name}：${step.name}` : undefined}
        onCancel={close}
        footer={null}
        destroyOnHidden
        width={480}
        style={{ maxWidth: 'calc(100vw - 32px)' }}
      >
        {open && (
          <Form
            form={form}
            layout="vertical"
            initialValues={open.id === 'circulate' ? { order: 'parallel' } : open.id === 'addSigner' ? { position: 'after' } : {}}
            onFinish={(v) => void submit(v)}
            data-testid={`op-form-${open.id}`}
          >
            <Fields op={open.id} step={step} stepNames={stepNames} />
            <Form.Item style={{ marginBottom: 0 }}>
              <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'flex-start' }}>
                <Button type="primary" htmlType="submit" loading={sending} data-testid="op-submit">
                  确定{open.name}
                </Button>
                <Button onClick={close}>取消</Button>
                {refusal && <Alert type="error" showIcon title={refusal} data-testid="op-refusal" style={{ flex: '1 1 200px' }} />}
              </div>
            </Form.Item>
          </Form>
        )}
      </Modal>
    </div>
  );
}
