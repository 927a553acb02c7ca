/**
 * Chinese names for what the API names in English: form fields, enum values and audit actions
 * (roles come named from GET /me). The JSON Schema of a step carries the shape; the words live here (or in the schema's
 * own title/description when it has them).
 */
export const FIELD_LABELS: Record<string, string> = {
  opinion: '意见',
  department: '承办科室',
  coDepartments: '协办科室',
  dueDate: '办理期限',
  deputy: '分管领导',
  retention: '保管期限',
  agree: '同意',
  decision: '决定',
  outcome: '结论',
  important: '重要',
  meeting: '提交会议',
  note: '办理情况',
  reason: '理由',
  until: '延期至',
  seal: '印章',
  copies: '用印份数',
  departments: '签收科室',
  external: '外单位',
  copyHolders: '份号登记',
  recipient: '收文单位',
  means: '送达方式',
  date: '送出日期',
  copyNo: '份号',
  holder: '持有人',
  countersign: '会签',
};

export const ENUM_LABELS: Record<string, Record<string, string>> = {
  retention: { Y: '永久', D30: '30年', D10: '10年' },
  outcome: { approve: '同意', reject: '不同意', meeting: '提交会议研究', agree: '同意', revise: '退回拟稿人修改', sealed: '用印', refused: '拒绝用印' },
};

/** Values that are Chinese already (同意 / 不同意 …) label themselves. */
export const enumLabel = (field: string, value: unknown): string => ENUM_LABELS[field]?.[String(value)] ?? String(value);

export const ACTION_LABELS: Record<string, string> = {
  'archive.code-assigned': '编制档号',
  'delegation.set': '设置委托',
  'draft.created': '拟稿',
  'draft.edited': '修改稿件',
  'draft.submitted': '送审',
  'draft.versioned': '保存新版本',
  'draft.consent': '签发人同意修改',
  'draft.reopened': '修改已签发稿件，待重新签发',
  'draft.awaiting-signature': '待签发',
  'draft.signed': '签发（稿件冻结）',
  'draft.numbered': '编号',
  'draft.sealed': '用印完成',
  'outgoing.numbered': '取发文字号',
  'outgoing.voided': '文号作废',
  'seal.applied': '加盖印章',
  'seal.refused': '拒绝用印',
  'delegation.cleared': '取消委托',
  'document.circulated': '传阅',
  'document.filed': '归档',
  'document.read': '已阅',
  'document.registered': '签收登记',
  'document.registration-completed': '完成登记',
  'document.returned-to-sender': '退文',
  'document.submitted': '提交',
  'document.withdrawn': '撤销',
  'read.chased': '催阅',
  'registration.overdue': '登记逾期',
  'route.started': '流程启动',
  'task.chased': '催办',
  'task.co-reported': '协办反馈',
  'task.created': '生成待办',
  'task.decided': '办理',
  'task.decided-recorded': '补签',
  'task.decision-confirmed': '补签确认',
  'task.escalated': '升级催办',
  'task.expired': '超期终止',
  'task.extension-approved': '同意延期',
  'task.extension-refused': '不同意延期',
  'task.extension-requested': '延期申请',
  'task.overdue': '逾期催办',
  'task.progress': '办理反馈',
  'task.recalled': '撤回',
  'task.reminded': '再次催办',
  'task.returned': '退回',
  'task.signed': '签署',
  'task.signed-recorded': '代录签署',
  'task.signer-added': '加签',
  'task.signer-removed': '减签',
  'task.skipped': '超时跳过',
  'task.transferred': '转办',
  'task.uncleared': '密级不符',
  'upload.rejected': '上传被拒',
};

export const actionLabel = (action: string): string => ACTION_LABELS[action] ?? action;

export const actorLabel = (actor: string): string =>
  actor.startsWith('system:') ? '系统' : actor;
