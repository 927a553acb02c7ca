/**
 * 审计日志 (the audit admin alone): every change to the people directory — who added, changed,
 * deactivated whom, who set which clearance — newest first, from the admin audit chain.
 */
import { Alert, Result, Table, Typography } from 'antd';
import { api } from '../api';
import { shortDateTime } from '../format';
import { Pager, useCursorPages } from '../components/CursorPages';

interface AuditEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  details: {
    username?: string;
    usernames?: string[];
    changed?: string[];
    before?: Record<string, unknown>;
    after?: Record<string, unknown>;
  };
}

interface AuditPage {
  items: AuditEvent[];
  cursor?: string;
}

const ACTIONS: Record<string, string> = {
  'person.created': '新增人员',
  'person.updated': '修改人员',
  'person.roles-changed': '修改角色',
  'person.deactivated': '停用账号',
  'person.reactivated': '启用账号',
  'person.clearance-set': '设置密级',
  'person.first-admin': '部署：第一位系统管理员',
  'people.seeded': '初始化人员目录',
};

const FIELDS: Record<string, string> = { name: '姓名', department: '科室', roles: '角色', clearance: '密级', email: '电子邮箱', active: '在用' };

const shown = (value: unknown) => (Array.isArray(value) ? value.join('、') || '无' : value === undefined || value === '' ? '无' : value === true ? '是' : value === false ? '否' : String(value));

function changeText(e: AuditEvent): string {
  const { before, after, changed } = e.details;
  if (before && after && changed) return changed.map((f) => `${FIELDS[f] ?? f}：${shown(before[f])} → ${shown(after[f])}`).join('；');
  if (after) return ['name', 'department', 'roles', 'clearance'].map((f) => `${FIELDS[f]}：${shown(after[f])}`).join('；');
  return '';
}

export function AdminAuditPage() {
  const pages = useCursorPages<AuditPage>('audit', (cursor) => api<AuditPage>('GET', `/admin/audit?limit=30${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
  if (pages.error?.status === 403) return <Result status="403" title="无权查阅审计日志" subTitle={pages.error.message} />;
  return (
    <div data-testid="admin-audit">
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        审计日志
      </Typography.Title>
      <Typography.Paragraph type="secondary">人员目录的每一次变更（人员、角色、密级、停用），由安全审计员查阅；日志以哈希链保存，不可改写。</Typography.Paragraph>
      {pages.error && <Alert type="error" showIcon title={pages.error.message} style={{ marginBottom: 12 }} />}
      <Table<AuditEvent>
        data-testid="audit-table"
        rowKey="seq"
        loading={pages.loading}
        dataSource={pages.page?.items ?? []}
        pagination={false}
        scroll={{ x: true }}
        columns={[
          { title: '序号', dataIndex: 'seq', width: 70 },
          { title: '时间', render: (_, e) => shortDateTime(e.at), width: 130 },
          { title: '操作人', dataIndex: 'actor' },
          { title: '操作', render: (_, e) => ACTIONS[e.action] ?? e.action },
          { title: '对象', render: (_, e) => e.details.username ?? e.details.usernames?.join('、') ?? '' },
          { title: '变更', render: (_, e) => changeText(e) },
        ]}
      />
      <Pager pages={pages} shown={pages.page?.items.length ?? 0} />
    </div>
  );
}
