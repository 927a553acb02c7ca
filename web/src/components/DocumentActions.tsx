/**
 * What a person may do to a document beyond their own open task, each offered only where it could
 * apply (the API decides and its Chinese refusal stands by the button):
 *   撤回 — take back my last decision while the next step has not acted (POST /tasks/{id}/recall);
 *   撤销 — the requester withdraws an internal document nobody has decided yet (POST /documents/{id}/withdraw);
 *   减签 — the office director, or whoever added them, takes a signer off (POST /tasks/{id}/signers/remove);
 *   催办 — a clerk or the office director chases any open step (POST /tasks/{id}/chase).
 */
import { useState } from 'react';
import { Alert, Button, Form, Input, Modal, Space, Tag, Typography } from 'antd';
import { api, ApiError, type DocumentView, type Me, type TaskItem } from '../api';
import { isOverdue, shortDateTime } from '../format';

interface Signer {
  username: string;
  name: string;
  status: 'waiting' | 'pending' | 'signed' | 'removed' | 'closed';
  agree?: boolean;
  addedBy?: string;
}
type ViewTask = TaskItem & { assignment?: { role: string; username?: string }; decidedBy?: string; signOf?: string; coOf?: string; signing?: { mode: string; signers: Signer[] } };

interface Action {
  id: string;
  name: string;
  title: string;
  call: string;
  body: (reason: string) => Record<string, unknown>;
  reasonLabel: string;
  reasonRequired: boolean;
  done: string;
}

/** An open task I hold myself: no 催办 of my own work. */
const mineToDo = (t: ViewTask, me: Me) => (t.assignment?.username ? t.assignment.username === me.username : me.roles.includes(t.assignment?.role ?? ''));

/** Who may chase (催办): functions/domain/task-operations.ts mayChase. */
const CHASERS = ['clerk', 'confidential-clerk', 'office-director'];
const SIGNER_STATUS: Record<Signer['status'], string> = { waiting: '等候', pending: '待签', signed: '已签', removed: '已减签', closed: '已关闭' };
const STATUS_NAMES: Record<string, string> = {
  filed: '已归档',
  withdrawn: '已撤销',
  'returned-to-sender': '已退文',
  failed: '流程异常，请联系办公室',
  // Between two steps (or just started): the page looks again in a moment (DocumentPage).
  registered: '流转中…',
  'in-progress': '流转中…',
};
const MODE_NAMES: Record<string, string> = { all: '会签', any: '或签', ratio: '票签', sequence: '依次审批' };

export function DocumentActions({ view, me, onDone }: { view: DocumentView; me: Me; onDone: (text: string) => void }) {
  const [open, setOpen] = useState<Action>();
  const [refusal, setRefusal] = useState<string>();
  const [sending, setSending] = useState(false);
  const tasks = view.tasks as ViewTask[];
  const doc = view.document;
  const anyOpen = tasks.some((t) => t.status === 'open');

  const actions: Action[] = [];
  // The last route decision that was mine (not a co-handler's report or a signature).
  const mine = tasks.filter((t) => t.status === 'decided' && t.decidedBy === me.username && !t.signOf && !t.coOf).sort((a, b) => String(b.decidedAt).localeCompare(String(a.decidedAt)))[0];
  if (mine && anyOpen) {
    actions.push({ id: 'recall', name: '撤回', title: `撤回：${mine.stepName}`, call: `/tasks/${encodeURIComponent(mine.taskId)}/recall`, body: (reason) => (reason ? { reason } : {}), reasonLabel: '撤回理由', reasonRequired: false, done: `已撤回，${mine.stepName}回到您的待办` });
  }
  const requester = (doc as { requester?: { username: string } }).requester;
  if (requester?.username === me.username && anyOpen && doc.status !== 'withdrawn') {
    actions.push({ id: 'withdraw', name: '撤销', title: '撤销本件', call: `/documents/${encodeURIComponent(doc.docId)}/withdraw`, body: (reason) => (reason ? { reason } : {}), reasonLabel: '撤销理由', reasonRequired: false, done: '已撤销' });
  }
  // 催办 on any open step, by the clerks and the office director (the API checks the step allows it).
  if (me.roles.some((r) => CHASERS.includes(r))) {
    for (const t of tasks.filter((x) => x.status === 'open' && !x.signOf && !x.coOf && !mineToDo(x, me))) {
      actions.push({ id: `chase-${t.taskId}`, name: `催办 ${t.stepName}`, title: `催办：${t.stepName}`, call: `/tasks/${encodeURIComponent(t.taskId)}/chase`, body: (note) => (note ? { note } : {}), reasonLabel: '催办说明', reasonRequired: false, done: `已催办${t.stepName}，办理人已收到通知` });
    }
  }
  const signingSteps = tasks.filter((t) => t.status === 'open' && t.signing);
  const mayRemove = (s: Signer) => (s.status === 'pending' || s.status === 'waiting') && (me.roles.includes('office-director') || s.addedBy === me.username);
  for (const step of signingSteps) {
    for (const s of step.signing!.signers.filter(mayRemove)) {
      actions.push({ id: `remove-${s.username}`, name: `减签 ${s.name}`, title: `减签：${s.name}（${step.stepName}）`, call: `/tasks/${encodeURIComponent(step.taskId)}/signers/remove`, body: (reason) => ({ username: s.username, ...(reason ? { reason } : {}) }), reasonLabel: '减签理由', reasonRequired: false, done: `已减签 ${s.name}` });
    }
  }

  const close = () => {
    setOpen(undefined);
    setRefusal(undefined);
  };
  const submit = async ({ reason }: { reason?: string }) => {
    if (!open) return;
    setSending(true);
    setRefusal(undefined);
    try {
      await api('POST', open.call, open.body((reason ?? '').trim()));
      const done = open.done;
      close();
      onDone(done);
    } catch (err) {
      setRefusal(err instanceof ApiError ? err.message : '提交失败，请稍后再试');
    } finally {
      setSending(false);
    }
  };

  // Where it stands: the route's open steps (not the signers' or co-handlers' own tasks).
  const current = tasks.filter((t) => t.status === 'open' && !t.signOf && !t.coOf);

  return (
    <>
      {current.length > 0 && (
        <div data-testid="current-steps" style={{ marginBottom: 12 }}>
          {current.map((t) => (
            <Typography.Text key={t.taskId} type={isOverdue(t.dueAt, t.overdue) ? 'danger' : undefined} style={{ display: 'block' }}>
              当前：{t.stepName}
              {t.dueAt ? `，办理期限 ${shortDateTime(t.dueAt)}` : ''}
              {isOverdue(t.dueAt, t.overdue) ? '，已逾期' : ''}
            </Typography.Text>
          ))}
        </div>
      )}
      {current.length === 0 && doc.status && STATUS_NAMES[doc.status] && (
        <Typography.Text type="secondary" style={{ display: 'block', marginBottom: 12 }} data-testid="current-steps">
          {STATUS_NAMES[doc.status]}
        </Typography.Text>
      )}
      {signingSteps.map((step) => (
        <div key={step.taskId} data-testid="signers" style={{ marginBottom: 12 }}>
          <Typography.Text strong>
            {step.stepName}（{MODE_NAMES[step.signing!.mode] ?? step.signing!.mode}）：
          </Typography.Text>
          <Space size={[4, 4]} wrap>
            {step.signing!.signers.map((s) => (
              <Tag key={s.username} color={s.status === 'signed' ? (s.agree === false ? 'red' : 'green') : s.status === 'pending' ? 'blue' : undefined}>
                {s.name} {s.status === 'signed' ? (s.agree === false ? '不同意' : '同意') : SIGNER_STATUS[s.status]}
              </Tag>
            ))}
          </Space>
        </div>
      ))}
      {actions.length > 0 && (
        <Space size={[8, 8]} wrap data-testid="document-actions">
          {actions.map((a) => (
            <Button key={a.id} onClick={() => setOpen(a)} danger={a.id === 'withdraw'} data-testid={`action-${a.id}`}>
              {a.name}
            </Button>
          ))}
        </Space>
      )}
      <Modal open={Boolean(open)} title={open?.title} onCancel={close} footer={null} destroyOnHidden width={480} style={{ maxWidth: 'calc(100vw - 32px)' }}>
        {open && (
          <Form layout="vertical" onFinish={(v: { reason?: string }) => void submit(v)} data-testid="action-form">
            <Form.Item name="reason" label={open.reasonLabel} rules={open.reasonRequired ? [{ required: true, whitespace: true, message: `请填写${open.reasonLabel}` }] : []}>
              <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} placeholder={`请填写${open.reasonLabel}${open.reasonRequired ? '' : '（选填）'}`} />
            </Form.Item>
            <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'flex-start' }}>
              <Button type="primary" htmlType="submit" loading={sending} data-testid="action-submit">
                确定{open.name.split(' ')[0]}
              </Button>
              <Button onClick={close}>取消</Button>
              {refusal && <Alert type="error" showIcon title={refusal} data-testid="action-refusal" style={{ flex: '1 1 200px' }} />}
            </div>
          </Form>
        )}
      </Modal>
    </>
  );
}
