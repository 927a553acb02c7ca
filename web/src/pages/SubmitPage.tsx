/**
 * 内部来文: a department submits a 请示 or 报告 (POST /documents) — typed, or as an uploaded file —
 * with attachments (附件). The routes on offer are the API's internal routes (GET /routes), so a
 * new route shows here without a console change. Afterwards the document page shows where it stands.
 */
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Alert, App, Button, Card, Form, Input, Radio, Result, Select, Spin, Typography, Upload, type UploadFile } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { api, ApiError } from '../api';
import { loadRoutes } from '../catalog';
import { useMe } from '../me';
import { UPLOAD_ACCEPT, UPLOAD_KINDS, uploadFile } from '../uploads';
import { clearDraft, loadDraft, saveDraft } from '../drafts';

/** The half-written submission survives a lost session (files must be chosen again). */
const DRAFT = 'submit';

const SECRECY = ['非密', '秘密', '机密', '绝密'];

interface Values {
  route: string;
  title: string;
  urgency: string;
  secrecy: string;
  form: 'text' | 'file';
  content?: string;
}

/** antd's Upload keeps the list; the upload itself runs at submission, one file after another. */
const beforeUpload = () => false;

export function SubmitPage() {
  const me = useMe();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [routes, setRoutes] = useState<{ id: string; name: string }[]>();
  const [departments, setDepartments] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string>();
  const [refusal, setRefusal] = useState<string>();
  const [sending, setSending] = useState<string>();
  const [bodyFile, setBodyFile] = useState<UploadFile[]>([]);
  const [attachments, setAttachments] = useState<UploadFile[]>([]);
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch('form', form);

  useEffect(() => {
    loadRoutes().then(
      (all) => {
        setRoutes(all.items.filter((r) => r.kind === 'internal').map((r) => ({ id: r.id, name: r.name })));
        setDepartments(new Map((all.departments ?? []).map((d) => [d.code, d.name])));
      },
      (err: unknown) => setError(err instanceof ApiError ? err.message : '读取流程失败，请稍后再试'),
    );
  }, []);

  if (error) return <Result status="warning" title={error} />;
  if (!routes || !me) return <Spin description="正在加载…"><div style={{ height: 120 }} /></Spin>;
  if (!me.department) return <Result status="info" title="您的账号没有所属科室" subTitle="内部请示、报告由科室提交；请联系管理员设置您的科室。" />;

  // Nobody files what they could not read back: 密级 up to the submitter's own clearance.
  const cleared = SECRECY.slice(0, Math.max(1, SECRECY.indexOf(me.clearance) + 1));

  const submit = async (v: Values) => {
    setRefusal(undefined);
    try {
      const files = (list: UploadFile[]) => list.map((f) => f.originFileObj).filter((f): f is NonNullable<typeof f> => Boolean(f));
      let file: string | undefined;
      if (v.form === 'file') {
        const [main] = files(bodyFile);
        if (!main) {
          setRefusal('请选择正文文件');
          return;
        }
        setSending(`正在上传 ${main.name}…`);
        file = await uploadFile(main);
      }
      const ids: string[] = [];
      for (const f of files(attachments)) {
        setSending(`正在上传附件 ${f.name}…`);
        ids.push(await uploadFile(f));
      }
      setSending('正在提交…');
      const answer = await api<{ docId: string; registerNumber?: string }>('POST', '/documents', {
        route: v.route,
        title: v.title.trim(),
        urgency: v.urgency,
        secrecy: v.secrecy,
        ...(v.form === 'text' ? { content: v.content?.trim() } : { file }),
        ...(ids.length ? { attachments: ids } : {}),
      });
      clearDraft(DRAFT);
      void message.success(`已提交${answer.registerNumber ? `，编号 ${answer.registerNumber}` : ''}`);
      navigate(`/documents/${answer.docId}`);
    } catch (err) {
      setRefusal(err instanceof ApiError ? err.message : '提交失败，请稍后再试');
    } finally {
      setSending(undefined);
    }
  };

  return (
    <Card title="提交请示、报告" data-testid="submit-page">
      <Typography.Paragraph type="secondary">
        以{me.name}（{departments.get(me.department) ?? me.department}）的名义提交。提交后进入内部来文登记簿编号，按所选流程送领导审批。
      </Typography.Paragraph>
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{ route: routes[0]?.id, urgency: '平件', secrecy: '非密', form: 'text', ...loadDraft(DRAFT) }}
        onValuesChange={(_, all) => saveDraft(DRAFT, all as unknown as Record<string, unknown>)}
        onFinish={(v) => void submit(v)}
        style={{ maxWidth: 720 }}
      >
        <Form.Item name="route" label="类别（流程）" rules={[{ required: true, message: '请选择类别' }]}>
          <Select options={routes.map((r) => ({ value: r.id, label: r.name }))} data-testid="submit-route" />
        </Form.Item>
        <Form.Item name="title" label="标题" rules={[{ required: true, whitespace: true, message: '请填写标题' }, { max: 200, message: '标题不超过 200 字' }]}>
          <Input placeholder="例如：关于购置安全检测设备的请示" />
        </Form.Item>
        <Form.Item name="urgency" label="紧急程度">
          <Radio.Group optionType="button" buttonStyle="solid" options={['平件', '加急', '特急']} />
        </Form.Item>
        <Form.Item name="secrecy" label="密级" extra={cleared.length < SECRECY.length ? `您的密级为${me.clearance}，不能提交更高密级的文件` : undefined}>
          <Radio.Group optionType="button" buttonStyle="solid" options={cleared} />
        </Form.Item>
        <Form.Item name="form" label="正文">
          <Radio.Group optionType="button" buttonStyle="solid" options={[{ value: 'text', label: '直接填写' }, { value: 'file', label: '上传文件' }]} />
        </Form.Item>
        {kind === 'file' ? (
          <Form.Item extra={`正文文件：${UPLOAD_KINDS}`}>
            <div data-testid="submit-file">
              <Upload accept={UPLOAD_ACCEPT} beforeUpload={beforeUpload} fileList={bodyFile} maxCount={1} onChange={({ fileList }) => setBodyFile(fileList)}>
                <Button icon={<UploadOutlined />}>选择正文文件</Button>
              </Upload>
            </div>
          </Form.Item>
        ) : (
          <Form.Item name="content" rules={[{ required: true, whitespace: true, message: '请填写正文' }, { max: 20000, message: '正文不超过 20000 字；更长的内容请上传文件' }]}>
            <Input.TextArea autoSize={{ minRows: 6, maxRows: 20 }} placeholder="请填写请示或报告的正文" />
          </Form.Item>
        )}
        <Form.Item label="附件" extra={`可选多个：${UPLOAD_KINDS}`}>
          <div data-testid="submit-attachments">
            <Upload accept={UPLOAD_ACCEPT} beforeUpload={beforeUpload} multiple fileList={attachments} onChange={({ fileList }) => setAttachments(fileList)}>
              <Button icon={<UploadOutlined />}>添加附件</Button>
            </Upload>
          </div>
        </Form.Item>
        <Form.Item style={{ marginBottom: 0 }}>
          <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'flex-start' }}>
            <Button type="primary" htmlType="submit" loading={Boolean(sending)} data-testid="submit-document">
              提交
            </Button>
            {sending && <Typography.Text type="secondary">{sending}</Typography.Text>}
            {refusal && <Alert type="error" showIcon title={refusal} data-testid="submit-refusal" style={{ flex: '1 1 240px' }} />}
          </div>
        </Form.Item>
      </Form>
    </Card>
  );
}
