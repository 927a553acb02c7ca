/**
 * 送审: choose the outgoing route (党政公文 / 专业委员会公文 / 科室公文) and, for a route with 会审, the
 * heads of related departments who review it with the drafting department's own heads, then POST
 * …/submit {route, reviewers?, note?}. The routes are those GET /routes lists as kind 'outgoing'
 * (the three by name until it has answered). Reviewers are usernames, as the console names every
 * person it asks for (加签, 转办). A refusal's Chinese message stands by the button.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Form, Input, Modal, Radio, Select, Typography } from 'antd';
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
  note?: string;
}

export function SubmitDraftDialog({ open, draftId, onClose, onSubmitted }: Props) {
  const [form] = Form.useForm<Values>();
  const route = Form.useWatch('route', form);
  const [routes, setRoutes] = useState(OUTGOING_ROUTES);
  const [refusal, setRefusal] = useState<string>();
  const [sending, setSending] = useState(false);

  useEffect(() => {
    if (!open) return;
    loadRoutes().then(
      (all) => {
        const outgoing = all.items.filter((r) => r.kind === 'outgoing');
        // 会审 is the route's own step: only such a route takes reviewers.
        if (outgoing.length > 0) setRoutes(outgoing.map((r) => ({ id: r.id, name: r.name, reviewers: r.steps.some((s) => s.id === 'jointReview') })));
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
      const note = v.note?.trim();
      const body = { route: v.route, ...(withReviewers && reviewers.length ? { reviewers } : {}), ...(note ? { note } : {}) };
      onSubmitted(await api<DraftView>('POST', `/drafts/${draftId}/submit`, body));
    } catch (err) {
      setRefusal(err instanceof ApiError ? err.message : '送审失败，请稍后再试');
    } finally {
      setSending(false);
    }
  };

  return (
    <Modal open={open} title="送审" onCancel={onClose} footer={null} destroyOnHidden width={520} style={{ maxWidth: 'calc(100vw - 32px)' }}>
      <Form<Values> form={form} layout="vertical" initialValues={{ route: routes[0].id, reviewers: [] }} onFinish={(v) => void submit(v)} onValuesChange={() => setRefusal(undefined)} data-testid="submit-draft-form">
        <Form.Item name="route" label="发文类别（流程）" rules={[{ required: true, message: '请选择发文类别' }]}>
          <Radio.Group options={routes.map((r) => ({ value: r.id, label: r.name }))} optionType="button" buttonStyle="solid" />
        </Form.Item>
        {withReviewers && (
          <Form.Item name="reviewers" label="相关科室会审人" extra="本科室负责人自动参加会审；需要相关科室一同会审时，填写其科室负责人的用户名，可填多位">
            <Select mode="tags" tokenSeparators={[',', '，', '、', ' ']} suffixIcon={null} placeholder="输入用户名后按回车，如 chenjing" data-testid="reviewers" />
          </Form.Item>
        )}
        <Form.Item name="note" label="送审说明">
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} maxLength={500} placeholder="可不填" />
        </Form.Item>
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
