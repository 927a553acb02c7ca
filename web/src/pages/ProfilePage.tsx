/**
 * 个人设置: who I am to Chancery (roles, department, 密级), and 委托 — a stand-in for a date
 * range (GET/PUT/DELETE /me/delegation), plus the delegations naming me, whose work shows in my 待办.
 */
import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Descriptions, Empty, Form, Input, Popconfirm, Space, Spin, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { api, ApiError, type Me } from '../api';
import { fullDate, shortDateTime } from '../format';
import { useMe } from '../me';
import { loadRoutes } from '../catalog';

interface Delegation {
  delegator: string;
  delegatorName: string;
  delegate: string;
  delegateName: string;
  from: string;
  until: string;
  setAt: string;
  inForce: boolean;
}

interface DelegationAnswer {
  delegation: Delegation | null;
  actingFor: Delegation[];
}

const day = (iso: string) => fullDate(`${iso}T00:00:00`);

export function ProfilePage() {
  const me = useMe();
  const [departments, setDepartments] = useState<Map<string, string>>();
  useEffect(() => {
    loadRoutes().then((r) => setDepartments(new Map((r.departments ?? []).map((d) => [d.code, d.name]))), () => undefined);
  }, []);
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="profile-page">
      <Card title="个人信息">{me ? <Profile me={me} departments={departments} /> : <Spin />}</Card>
      <DelegationCard />
    </Space>
  );
}

function Profile({ me, departments }: { me: Me; departments?: Map<string, string> }) {
  return (
    <Descriptions column={1} size="small" bordered styles={{ label: { width: 96 } }}>
      <Descriptions.Item label="姓名">{me.name}</Descriptions.Item>
      <Descriptions.Item label="用户名">{me.username}</Descriptions.Item>
      <Descriptions.Item label="岗位">
        <Space size={[4, 4]} wrap>
          {(me.roleNames ?? me.roles).map((r) => (
            <Tag key={r}>{r}</Tag>
          ))}
        </Space>
      </Descriptions.Item>
      <Descriptions.Item label="所属科室">{me.department ? departments?.get(me.department) ?? me.department : '—'}</Descriptions.Item>
      <Descriptions.Item label="密级">{me.clearance}</Descriptions.Item>
    </Descriptions>
  );
}

function DelegationCard() {
  const { message } = App.useApp();
  const [answer, setAnswer] = useState<DelegationAnswer>();
  const [error, setError] = useState<string>();
  const [refusal, setRefusal] = useState<string>();
  const [sending, setSending] = useState(false);
  const [form] = Form.useForm<{ to: string; range: [Dayjs, Dayjs] }>();

  const load = useCallback(() => {
    api<DelegationAnswer>('GET', '/me/delegation').then(setAnswer, (err: unknown) => setError(err instanceof ApiError ? err.message : '读取委托失败，请稍后再试'));
  }, []);
  useEffect(load, [load]);

  const set = async (v: { to: string; range: [Dayjs, Dayjs] }) => {
    setRefusal(undefined);
    setSending(true);
    try {
      const res = await api<{ message?: string }>('PUT', '/me/delegation', { to: v.to.trim(), from: v.range[0].format('YYYY-MM-DD'), until: v.range[1].format('YYYY-MM-DD') });
      void message.success(res.message ?? '委托已设置');
      form.resetFields();
      load();
    } catch (err) {
      setRefusal(err instanceof ApiError ? err.message : '设置失败，请稍后再试');
    } finally {
      setSending(false);
    }
  };

  const clear = async () => {
    setRefusal(undefined);
    try {
      await api('DELETE', '/me/delegation');
      void message.success('委托已取消');
      load();
    } catch (err) {
      setRefusal(err instanceof ApiError ? err.message : '取消失败，请稍后再试');
    }
  };

  if (error) return <Alert type="error" showIcon title={error} />;
  const mine = answer?.delegation;
  return (
    <Card title="委托（请假、出差期间由他人代为办理）" data-testid="delegation">
      {!answer ? (
        <Spin />
      ) : (
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          {mine ? (
            <Alert
              type={mine.inForce ? 'success' : 'info'}
              showIcon
              data-testid="delegation-current"
              title={`已委托 ${mine.delegateName}（${mine.delegate}）于 ${day(mine.from)} 至 ${day(mine.until)} 代为办理${mine.inForce ? '，现正生效' : '，尚未生效'}`}
              description={`设置于 ${shortDateTime(mine.setAt)}。期间您的待办也出现在代理人的待办中，由其以“代”您的名义办理。`}
              action={
                <Popconfirm title="取消这项委托？" okText="取消委托" cancelText="不取消" onConfirm={() => void clear()}>
                  <Button danger data-testid="delegation-clear">
                    取消委托
                  </Button>
                </Popconfirm>
              }
            />
          ) : (
            <Typography.Text type="secondary">您目前没有设置委托。</Typography.Text>
          )}
          <Form form={form} layout="vertical" onFinish={(v) => void set(v)} style={{ maxWidth: 480 }} data-testid="delegation-form">
            <Form.Item name="to" label="代理人用户名" rules={[{ required: true, whitespace: true, message: '请填写代理人的用户名' }]} extra="同一岗位、密级不低于您的人员">
              <Input placeholder="例如 gaofeng" autoCapitalize="off" />
            </Form.Item>
            <Form.Item name="range" label="委托期间" rules={[{ required: true, message: '请选择委托的起止日期' }]}>
              <DatePicker.RangePicker
                style={{ width: '100%' }}
                format="YYYY年M月D日"
                inputReadOnly
                placeholder={['开始日期', '结束日期']}
                disabledDate={(d: Dayjs) => d.isBefore(dayjs(), 'day')}
              />
            </Form.Item>
            <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'flex-start' }}>
              <Button type="primary" htmlType="submit" loading={sending} data-testid="delegation-submit">
                {mine ? '改为此委托' : '设置委托'}
              </Button>
              {refusal && <Alert type="error" showIcon title={refusal} data-testid="delegation-refusal" style={{ flex: '1 1 200px' }} />}
            </div>
          </Form>
          <div>
            <Typography.Title level={5}>委托我代为办理</Typography.Title>
            {answer.actingFor.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="没有人委托您" />
            ) : (
              answer.actingFor.map((d) => (
                <Typography.Paragraph key={d.delegator} style={{ marginBottom: 4 }}>
                  {d.delegatorName}（{d.delegator}）：{day(d.from)} 至 {day(d.until)}
                  {d.inForce ? <Tag color="green" style={{ marginInlineStart: 8 }}>生效中</Tag> : <Tag style={{ marginInlineStart: 8 }}>未生效</Tag>}
                </Typography.Paragraph>
              ))
            )}
          </div>
        </Space>
      )}
    </Card>
  );
}
