/**
 * The people directory (functions/handlers/api/admin.ts), two pages over one list:
 *   人员管理 (the system admin): add people, edit name, department, roles and email, 停用 / 启用;
 *   密级管理 (the security admin): set each person's clearance (密级), never one's own.
 * Filtered by 科室 and 角色, paged by cursor. The API applies the 三员 rules; a refusal is shown as
 * it says it, beside the button.
 */
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Alert, App, Button, Form, Input, Modal, Result, Select, Space, Table, Tag, Typography } from 'antd';
import { api, ApiError } from '../api';
import { useMe } from '../me';
import { Pager, useCursorPages } from '../components/CursorPages';

export interface PersonView {
  username: string;
  name: string;
  department?: string;
  roles: string[];
  roleNames: string[];
  clearance: string;
  email?: string;
  active: boolean;
  version: number;
}

interface PeoplePage {
  items: PersonView[];
  cursor?: string;
  roles: { id: string; name: string; admin: boolean }[];
  departments: { code: string; name: string }[];
  clearances: string[];
}

type Mode = 'people' | 'clearance';

const message = (err: unknown) => (err instanceof ApiError ? err.message : '保存失败，请稍后再试');

export function PeopleAdminPage({ mode }: { mode: Mode }) {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const department = params.get('department') ?? '';
  const role = params.get('role') ?? '';
  const [reload, setReload] = useState(0);
  const [editing, setEditing] = useState<PersonView | 'new'>();
  const [clearanceOf, setClearanceOf] = useState<PersonView>();
  const { message: toast } = App.useApp();
  const query = new URLSearchParams({ limit: '20', ...(department ? { department } : {}), ...(role ? { role } : {}) });
  const pages = useCursorPages<PeoplePage>(`${query.toString()}#${reload}`, (cursor) => api<PeoplePage>('GET', `/admin/people?${query.toString()}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
  const catalog = pages.page;
  const deptName = (code?: string) => (code ? (catalog?.departments.find((d) => d.code === code)?.name ?? code) : '');
  const setFilter = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const saved = (text: string) => {
    toast.success(text);
    setReload((n) => n + 1);
  };

  if (pages.error?.status === 403) return <Result status="403" title={mode === 'people' ? '无权管理人员' : '无权管理密级'} subTitle={pages.error.message} />;

  const toggle = async (p: PersonView) => {
    try {
      await api('PUT', `/admin/people/${encodeURIComponent(p.username)}`, { active: !p.active, version: p.version });
      saved(p.active ? `已停用 ${p.name}` : `已启用 ${p.name}`);
    } catch (err) {
      toast.error(message(err));
    }
  };

  return (
    <div data-testid={mode === 'people' ? 'people-admin' : 'clearance-admin'}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {mode === 'people' ? '人员管理' : '密级管理'}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {mode === 'people'
          ? '人员、科室和角色由系统管理员维护；密级由安全保密管理员设置，新增人员一律为非密。登录账号在身份提供方中开设，用户名须与此处一致。'
          : '密级只能由安全保密管理员设置，不能设置自己的密级。每次设置都记入管理审计日志。'}
      </Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select aria-label="科室" showSearch optionFilterProp="label" allowClear placeholder="全部科室" value={department || undefined} onChange={(v?: string) => setFilter('department', v)} options={catalog?.departments.map((d) => ({ value: d.code, label: d.name }))} style={{ width: 160 }} />
        <Select aria-label="角色" showSearch optionFilterProp="label" allowClear placeholder="全部角色" value={role || undefined} onChange={(v?: string) => setFilter('role', v)} options={catalog?.roles.map((r) => ({ value: r.id, label: r.name }))} style={{ width: 180 }} />
        {mode === 'people' && (
          <Button type="primary" onClick={() => setEditing('new')}>
            新增人员
          </Button>
        )}
      </Space>
      {pages.error && <Alert type="error" showIcon title={pages.error.message} style={{ marginBottom: 12 }} />}
      <Table<PersonView>
        data-testid="people-table"
        rowKey="username"
        loading={pages.loading}
        dataSource={pages.page?.items ?? []}
        pagination={false}
        scroll={{ x: true }}
        columns={[
          { title: '用户名', dataIndex: 'username' },
          { title: '姓名', dataIndex: 'name' },
          { title: '科室', render: (_, p) => deptName(p.department) },
          { title: '角色', render: (_, p) => p.roleNames.join('、') },
          { title: '密级', dataIndex: 'clearance' },
          { title: '状态', render: (_, p) => (p.active ? <Tag color="green">在用</Tag> : <Tag>已停用</Tag>) },
          {
            title: '操作',
            render: (_, p) =>
              mode === 'people' ? (
                <Space>
                  <Button size="small" onClick={() => setEditing(p)}>
                    编辑
                  </Button>
                  {p.username !== me?.username && (
                    <Button size="small" danger={p.active} onClick={() => void toggle(p)}>
                      {p.active ? '停用' : '启用'}
                    </Button>
                  )}
                </Space>
              ) : (
                p.username !== me?.username && (
                  <Button size="small" onClick={() => setClearanceOf(p)}>
                    设置密级
                  </Button>
                )
              ),
          },
        ]}
      />
      <Pager pages={pages} shown={pages.page?.items.length ?? 0} />
      {editing && catalog && (
        <PersonForm
          person={editing === 'new' ? undefined : editing}
          self={editing !== 'new' && editing.username === me?.username}
          catalog={catalog}
          onClose={() => setEditing(undefined)}
          onSaved={(p) => {
            setEditing(undefined);
            saved(editing === 'new' ? `已新增 ${p.name}` : `已保存 ${p.name}`);
          }}
        />
      )}
      {clearanceOf && catalog && (
        <ClearanceForm
          person={clearanceOf}
          levels={catalog.clearances}
          onClose={() => setClearanceOf(undefined)}
          onSaved={(p) => {
            setClearanceOf(undefined);
            saved(`${p.name} 的密级已设为${p.clearance}`);
          }}
        />
      )}
    </div>
  );
}

interface PersonFields {
  username: string;
  name: string;
  department?: string;
  roles: string[];
  email?: string;
}

function PersonForm({ person, self, catalog, onClose, onSaved }: { person?: PersonView; self: boolean; catalog: PeoplePage; onClose: () => void; onSaved: (p: PersonView) => void }) {
  const [form] = Form.useForm<PersonFields>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (values: PersonFields) => {
    setBusy(true);
    setError(undefined);
    try {
      const email = values.email?.trim() || undefined;
      const saved = person
        ? await api<PersonView>('PUT', `/admin/people/${encodeURIComponent(person.username)}`, {
            name: values.name,
            department: values.department ?? null,
            ...(self ? {} : { roles: values.roles }),
            email: email ?? null,
            version: person.version,
          })
        : await api<PersonView>('POST', '/admin/people', { username: values.username.trim(), name: values.name, ...(values.department ? { department: values.department } : {}), roles: values.roles, ...(email ? { email } : {}) });
      onSaved(saved);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={person ? `编辑人员：${person.name}` : '新增人员'} okText="保存" cancelText="取消" confirmLoading={busy} onOk={() => form.submit()} onCancel={onClose} destroyOnHidden>
      <Form<PersonFields>
        form={form}
        layout="vertical"
        initialValues={person ? { username: person.username, name: person.name, department: person.department, roles: person.roles, email: person.email } : { roles: [] }}
        onFinish={(v) => void submit(v)}
      >
        <Form.Item label="用户名" name="username" rules={[{ required: true, message: '请填写用户名（与登录账号一致）' }]}>
          <Input disabled={Boolean(person)} autoComplete="off" />
        </Form.Item>
        <Form.Item label="姓名" name="name" rules={[{ required: true, message: '请填写姓名' }]}>
          <Input />
        </Form.Item>
        <Form.Item label="科室" name="department">
          <Select allowClear showSearch optionFilterProp="label" options={catalog.departments.map((d) => ({ value: d.code, label: d.name }))} />
        </Form.Item>
        <Form.Item label="角色" name="roles" extra={self ? '不能修改自己的角色' : '三员（系统管理员、安全保密管理员、安全审计员）只能单独担任，不兼任公文处理岗位'}>
          <Select mode="multiple" optionFilterProp="label" disabled={self} options={catalog.roles.map((r) => ({ value: r.id, label: r.name }))} />
        </Form.Item>
        <Form.Item label="电子邮箱" name="email">
          <Input type="email" autoComplete="off" />
        </Form.Item>
        {error && <Alert type="error" showIcon title={error} role="alert" />}
      </Form>
    </Modal>
  );
}

function ClearanceForm({ person, levels, onClose, onSaved }: { person: PersonView; levels: string[]; onClose: () => void; onSaved: (p: PersonView) => void }) {
  const [clearance, setClearance] = useState(person.clearance);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      onSaved(await api<PersonView>('PUT', `/admin/people/${encodeURIComponent(person.username)}/clearance`, { clearance, version: person.version }));
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={`设置密级：${person.name}`} okText="设置" cancelText="取消" confirmLoading={busy} onOk={() => void submit()} onCancel={onClose} destroyOnHidden>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Text>
          现为 {person.clearance}
        </Typography.Text>
        <Select aria-label="密级" value={clearance} onChange={setClearance} options={levels.map((l) => ({ value: l, label: l }))} style={{ width: 160 }} />
        {error && <Alert type="error" showIcon title={error} role="alert" />}
      </Space>
    </Modal>
  );
}
