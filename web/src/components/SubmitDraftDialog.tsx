/**
 * 送审: choose the outgoing route (党政公文 / 专业委员会公文 / 科室公文) and, for 党政公文, the heads of
 * the related departments who review it together (会审), then POST …/submit. The routes are those
 * GET /routes lists as kind 'outgoing'; while it lists none, the three are offered by name and the
 * submission sends no route (the API then takes none). Reviewers are usernames, as the console
 * names every person it asks for (加签, 转办). A refusal's Chinese message stands by the button.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Form, Modal, Radio, Select, Typography } from 'antd';
import { api, ApiError } from '../api';
import { loadRoutes } from '../catalog';
import { OUTGOING_ROUTES, type DraftView } from '../outgoing';

interface Props {
  open: boolean;
  draftId: string;
  onClose: () => void;
  onSubmitted: (draft: DraftView) => void;
}

interface Values {
  route: string;
  reviewers?: string[];
}

export function SubmitDraftDialog({ open, draftId, onClose, onSubmitted }: Props) {
  const [form] = Form.useForm<Values>();
  const route = Form.useWatch('route', form);
  const [routes, setRoutes] = useState(OUTGOING_ROUTES);
  // Whether the API knows the outgoing routes (and so takes `route` in a submission).
  const [advertised, setAdvertised] = useState(false);
  const [refusal, setRefusal] = useState<string>();
  const [sending, setSending] = useState(false);

  useEffect(() => {
    if (!open) return;
    loadRoutes().then(
      (all) => {
        const outgoing = all.items.filter((r) => r.kind === 'outgoing');
        if (outgoing.length === 0) return;
        setAdvertised(true);
        setRoutes(outgoing.map((r) => ({ id: r.id, name: r.name, reviewers: r.id === 'outgoing-main' })));
      },
      () => undefined,
    );
  }, [open]);

  const withReviewers = routes.find((r) => r.id === route)?.reviewers ?? false;

  const submit = async (v: Values) => {
    setRefusal(undefined);
    setSending(true);
    try {
      const reviewers = (v.reviewers ?? []).map((r) => r.trim()).filter(Boolean);
      const body = advertised ? { route: v.route, ...(withReviewers && reviewers.length ? { reviewers } : {}) } : {};
      onSubmitted(await api<DraftView>('POST', `/drafts/${draftId}/submit`, body));
    } catch (err) {
      setRefusal(err instanceof ApiError ? err.message : '送审失败，请稍后再试');
    } finally {
      setSending(false);
    }
  };

  return (
    <Modal open={open} title="送审" onCancel={onClose} footer={null} destroyOnHidden width={520} style={{ maxWidth: 'calc(100vw - 32px)' }}>
      <Form<Values> form={form} layout="vertical" initialValues={{ route: routes[0].id, reviewers: [] }} onFinish={(v) => void submit(v)} data-testid="submit-draft-form">
        <Form.Item name="route" label="发文类别（流程）" rules={[{ required: true, message: '请选择发文类别' }]}>
          <Radio.Group options={routes.map((r) => ({ value: r.id, label: r.name }))} optionType="button" buttonStyle="solid" />
        </Form.Item>
        {withReviewers && (
          <Form.Item name="reviewers" label="会审科室负责人" extra="相关科室负责人（科室负责人）的用户名，可填多位；不需会审时留空">
            <Select mode="tags" tokenSeparators={[',', '，', '、', ' ']} suffixIcon={null} placeholder="输入用户名后按回车，如 chenjing" data-testid="reviewers" />
          </Form.Item>
        )}
        <Typography.Paragraph type="secondary">送审后稿件成为第1版，此后的每次修改都记为新版本。</Typography.Paragraph>
        <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'flex-start' }}>
          <Button type="primary" htmlType="submit" loading={sending} data-testid="submit-draft-confirm">
            送审
          </Button>
          <Button onClick={onClose}>取消</Button>
          {refusal && <Alert type="error" showIcon title={refusal} data-testid="submit-draft-refusal" style={{ flex: '1 1 240px' }} />}
        </div>
      </Form>
    </Modal>
  );
}
