/**
 * 登记台: the clerk's registration desk. Scans are numbered on arrival; here the clerk completes
 * each entry within half a working day — the scan on the left (above on a phone), the entry form
 * on the right, prefilled with what intake read from the file name — then 保存并登记下一份, or
 * 退文 with a reason. Below, what still waits on the desk, oldest first, late ones in red.
 */
import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, Empty, Form, Input, InputNumber, Modal, Radio, Row, Select, Space, Spin, Tag, Typography } from 'antd';
import { api, ApiError, type DocumentRecord, type DocumentView, type Me, type RouteDescription, type RoutesAnswer } from '../api';
import { ScanPanel } from '../components/ScanViewer';
import { isOverdue, shortDateTime, urgencyColor } from '../format';


interface DeskItem {
  docId: string;
  registerNumber: string;
  title?: string;
  secrecy: string;
  urgency?: string;
  receivedAt?: string;
  dueAt: string;
  chasedAt?: string;
}

type DeskDocument = DocumentRecord & { registration?: { dueAt: string; copies?: number; pages?: number; receiptMethod?: string } };

interface Entry {
  sender: string;
  sourceNumber?: string;
  title: string;
  secrecy: string;
  urgency: string;
  copies: number;
  pages: number;
  receiptMethod: string;
  route: string;
}

const SECRECIES = ['非密', '秘密', '机密', '绝密'];
const URGENCIES = ['特急', '加急', '平件'];
const RECEIPT_METHODS = ['邮寄', '机要交通', '专人送达', '传真', '电子邮件', '其他'];

const message4xx = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);

export function RegistrationDeskPage({ phone }: { phone: boolean }) {
  const [items, setItems] = useState<DeskItem[]>();
  const [cursor, setCursor] = useState<string>();
  const [chosen, setChosen] = useState<string>();
  const [routes, setRoutes] = useState<RouteDescription[]>([]);
  const [error, setError] = useState<string>();

  const loadQueue = useCallback(async () => {
    setError(undefined);
    try {
      const page = await api<{ items: DeskItem[]; cursor?: string }>('GET', '/registration-desk?limit=50');
      setItems(page.items);
      setCursor(page.cursor);
      return page.items;
    } catch (err) {
      setError(message4xx(err, '登记台读取失败，请稍后再试'));
      return [];
    }
  }, []);

  const loadMore = async () => {
    if (!cursor) return;
    try {
      const page = await api<{ items: DeskItem[]; cursor?: string }>('GET', `/registration-desk?limit=50&cursor=${encodeURIComponent(cursor)}`);
      setItems((old) => [...(old ?? []), ...page.items]);
      setCursor(page.cursor);
    } catch (err) {
      setError(message4xx(err, '登记台读取失败，请稍后再试'));
    }
  };

  useEffect(() => {
    void loadQueue();
    api<RoutesAnswer>('GET', '/routes').then(
      (answer) => setRoutes(answer.items.filter((r) => (r as RouteDescription & { kind?: string }).kind === 'incoming')),
      () => undefined,
    );
  }, [loadQueue]);

  /** The entry left the desk (registered or returned): on to the next, oldest first. */
  const next = async () => {
    setChosen(undefined);
    await loadQueue();
  };

  if (error && !items) return <Alert type="warning" showIcon title={error} action={<Button onClick={() => void loadQueue()}>重试</Button>} />;
  if (!items) return <Spin description="正在加载…"><div style={{ height: 120 }} /></Spin>;

  const current = items.find((i) => i.docId === chosen) ?? items[0];
  const count = `${items.length}${cursor ? '+' : ''}`;

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="desk-page">
      <Space align="baseline" wrap>
        <Typography.Title level={phone ? 5 : 4} style={{ margin: 0 }}>
          登记台
        </Typography.Title>
        <Typography.Text type="secondary" data-testid="desk-count">
          待登记 {count} 份
        </Typography.Text>
      </Space>
      {error && <Alert type="warning" showIcon title={error} />}

      {current ? (
        <CurrentEntry key={current.docId} item={current} routes={routes} phone={phone} onDone={next} />
      ) : (
        <Card>
          <Empty description="登记台上没有待登记的文件：扫描件放入收件箱后会自动编号并出现在这里" />
        </Card>
      )}

      {items.length > 0 && (
        <Card title={`待登记（${count} 份，先到先登）`} size="small" styles={{ body: { padding: 0 } }}>
          <div className="box-list" data-testid="desk-queue" style={{ border: 'none' }}>
            {items.map((item) => {
              const late = isOverdue(item.dueAt);
              return (
                <div
                  key={item.docId}
                  className="box-item"
                  data-testid="desk-item"
                  role="button"
                  tabIndex={0}
                  aria-current={item.docId === current?.docId}
                  onClick={() => setChosen(item.docId)}
                  onKeyDown={(e) => (e.key === 'Enter' ? setChosen(item.docId) : undefined)}
                  style={{ cursor: 'pointer', background: item.docId === current?.docId ? '#fff1f0' : undefined }}
                >
                  <Space size={[8, 4]} wrap>
                    <Typography.Text strong>{item.registerNumber}</Typography.Text>
                    {item.urgency && item.urgency !== '平件' && <Tag color={urgencyColor(item.urgency)}>{item.urgency}</Tag>}
                    {item.secrecy && item.secrecy !== '非密' && <Tag color="purple">{item.secrecy}</Tag>}
                    <span className="list-title">{item.title || '（密件，标题不显示）'}</span>
                  </Space>
                  <div>
                    <Typography.Text type="secondary">收到 {shortDateTime(item.receivedAt)}　</Typography.Text>
                    <Typography.Text type={late ? 'danger' : 'secondary'} data-testid="desk-due">
                      登记时限 {shortDateTime(item.dueAt)}
                      {late ? '（已超时）' : ''}
                    </Typography.Text>
                  </div>
                </div>
              );
            })}
          </div>
          {cursor && (
            <div style={{ padding: 12, textAlign: 'center' }}>
              <Button onClick={() => void loadMore()}>加载更多</Button>
            </div>
          )}
        </Card>
      )}
    </Space>
  );
}

/** The scan on the left (above on a phone), its entry form on the right. */
function CurrentEntry({ item, routes, phone, onDone }: { item: DeskItem; routes: RouteDescription[]; phone: boolean; onDone: () => Promise<void> }) {
  const [doc, setDoc] = useState<DeskDocument>();
  const [loadError, setLoadError] = useState<string>();
  // The scan's page count as the viewer read it: the form fills 页数 with it.
  const [scanPages, setScanPages] = useState<number>();

  useEffect(() => {
    api<DocumentView>('GET', `/documents/${encodeURIComponent(item.docId)}`).then(
      (view) => setDoc(view.document as DeskDocument),
      (err: unknown) => setLoadError(message4xx(err, '文件读取失败，请稍后再试')),
    );
  }, [item.docId]);

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} md={14}>
        <ScanPanel docId={item.docId} fileName={doc?.scan?.fileName} phone={phone} maxHeight={phone ? '70vh' : '80vh'} onPageCount={setScanPages} />
      </Col>
      <Col xs={24} md={10}>
        {loadError ? (
          <Alert type="warning" showIcon title={loadError} data-testid="refusal" />
        ) : doc ? (
          <EntryForm item={item} doc={doc} routes={routes} scanPages={scanPages} onDone={onDone} />
        ) : (
          <Card loading title="收文登记" />
        )}
      </Col>
    </Row>
  );
}

function EntryForm({ item, doc, routes, scanPages, onDone }: { item: DeskItem; doc: DeskDocument; routes: RouteDescription[]; scanPages?: number; onDone: () => Promise<void> }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<Entry>();
  const [refusal, setRefusal] = useState<string>();
  const [sending, setSending] = useState(false);
  const [returning, setReturning] = useState(false);

  // 页数 from the scan itself, unless the clerk has typed one (or the entry had one).
  useEffect(() => {
    if (scanPages && !doc.registration?.pages && !form.isFieldTouched('pages')) form.setFieldValue('pages', scanPages);
  }, [scanPages, doc, form]);

  const save = async (entry: Entry) => {
    setRefusal(undefined);
    setSending(true);
    try {
      const body = { ...entry, sourceNumber: entry.sourceNumber ?? '' };
      const answer = await api<{ registerNumber: string }>('PUT', `/documents/${encodeURIComponent(item.docId)}/registration`, body);
      void message.success(`${answer.registerNumber} 已登记`);
      await onDone();
    } catch (err) {
      setRefusal(message4xx(err, '登记失败，请稍后再试'));
    } finally {
      setSending(false);
    }
  };

  const initial: Partial<Entry> = {
    sender: doc.sender || undefined,
    sourceNumber: doc.sourceNumber || undefined,
    title: doc.title,
    secrecy: doc.secrecy ?? '非密',
    urgency: doc.urgency ?? '平件',
    copies: doc.registration?.copies ?? 1,
    pages: doc.registration?.pages ?? scanPages,
    receiptMethod: doc.registration?.receiptMethod ?? '邮寄',
    route: doc.route,
  };
  const need = (label: string) => [{ required: true, whitespace: true, message: `请填写${label}` }];

  return (
    <Card
      title={
        <span>
          收文登记 <Typography.Text style={{ color: '#b22222' }} data-testid="desk-number">{item.registerNumber}</Typography.Text>
        </span>
      }
      extra={<Typography.Text type={isOverdue(item.dueAt) ? 'danger' : 'secondary'}>时限 {shortDateTime(item.dueAt)}</Typography.Text>}
    >
      <Form form={form} layout="vertical" initialValues={initial} onFinish={(v) => void save(v)} data-testid="desk-form" requiredMark>
        <Form.Item name="sender" label="来文单位" rules={need('来文单位')}>
          <Input placeholder="例如 市应急管理局" maxLength={100} />
        </Form.Item>
        <Form.Item name="sourceNumber" label="来文字号">
          <Input placeholder="例如 应急〔2026〕12号" maxLength={60} />
        </Form.Item>
        <Form.Item name="title" label="标题" rules={need('标题')}>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} maxLength={200} />
        </Form.Item>
        <Form.Item name="urgency" label="紧急程度" rules={[{ required: true, message: '请选择紧急程度' }]}>
          <Radio.Group optionType="button" buttonStyle="solid" options={URGENCIES.map((u) => ({ value: u, label: u }))} />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="secrecy" label="密级" rules={[{ required: true, message: '请选择密级' }]}>
              <Select options={SECRECIES.map((s) => ({ value: s, label: s }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="receiptMethod" label="收文方式" rules={[{ required: true, message: '请选择收文方式' }]}>
              <Select options={RECEIPT_METHODS.map((m) => ({ value: m, label: m }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="copies" label="份数" rules={[{ required: true, message: '请填写份数' }]}>
              <InputNumber min={1} max={9999} precision={0} style={{ width: '100%' }} inputMode="numeric" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="pages" label="页数" rules={[{ required: true, message: '请填写页数' }]}>
              <InputNumber min={1} max={99999} precision={0} style={{ width: '100%' }} inputMode="numeric" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="route" label="办理流程" rules={[{ required: true, message: '请选择办理流程' }]} extra="扫描时已按来文类型选定，可改为其他来文流程">
          <Select options={routes.map((r) => ({ value: r.id, label: r.name }))} placeholder="请选择办理流程" />
        </Form.Item>
        {refusal && <Alert type="error" showIcon title={refusal} style={{ marginBottom: 12 }} data-testid="refusal" />}
        <Space wrap style={{ width: '100%' }}>
          <Button type="primary" htmlType="submit" loading={sending} data-testid="desk-save">
            保存并登记下一份
          </Button>
          <Button danger onClick={() => setReturning(true)} data-testid="desk-return">
            退文
          </Button>
        </Space>
      </Form>
      <ReturnModal
        open={returning}
        item={item}
        onClose={() => setReturning(false)}
        onReturned={async () => {
          setReturning(false);
          void message.success(`${item.registerNumber} 已退文`);
          await onDone();
        }}
      />
    </Card>
  );
}

/** 退文 at 初审: the reason goes into the 退文登记簿; the document leaves the desk and its route ends. */
function ReturnModal({ open, item, onClose, onReturned }: { open: boolean; item: DeskItem; onClose: () => void; onReturned: () => Promise<void> }) {
  const [form] = Form.useForm<{ reason: string }>();
  const [refusal, setRefusal] = useState<string>();
  const [sending, setSending] = useState(false);

  const submit = async ({ reason }: { reason: string }) => {
    setRefusal(undefined);
    setSending(true);
    try {
      await api('POST', `/documents/${encodeURIComponent(item.docId)}/return-to-sender`, { reason: reason.trim() });
      form.resetFields();
      await onReturned();
    } catch (err) {
      setRefusal(message4xx(err, '退文失败，请稍后再试'));
    } finally {
      setSending(false);
    }
  };

  return (
    <Modal
      open={open}
      title={`退文：${item.registerNumber}`}
      onCancel={() => {
        setRefusal(undefined);
        onClose();
      }}
      footer={null}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} data-testid="return-form">
        <Form.Item name="reason" label="退文理由" rules={[{ required: true, whitespace: true, message: '请填写退文理由' }]} extra="理由记入退文登记簿，文件不再进入办理流程">
          <Input.TextArea autoSize={{ minRows: 3, maxRows: 8 }} maxLength={2000} placeholder="例如 非本单位收文，请改送市财政局" />
        </Form.Item>
        {refusal && <Alert type="error" showIcon title={refusal} style={{ marginBottom: 12 }} data-testid="return-refusal" />}
        <Space wrap>
          <Button type="primary" danger htmlType="submit" loading={sending} data-testid="return-submit">
            确认退文
          </Button>
          <Button onClick={onClose}>取消</Button>
        </Space>
      </Form>
    </Modal>
  );
}
