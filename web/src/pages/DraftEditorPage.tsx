/**
 * The draft editor (拟稿): /drafts/new and /drafts/:draftId. The fields the drafts API takes
 * (文种, 标题, 主送, 抄送, 密级 and 份数, 紧急程度, 发文代字 and 行文方向, 签发人, 附件, 附注) and the
 * body typed as numbered blocks or an uploaded .docx/PDF. 保存 sends the revision read: a 409 says
 * who changed the draft first and offers to load theirs; after 送审 every 保存 is a new version and
 * asks for a 修改说明. 预览 shows the GB/T 9704 PDF, 送审 starts the route. After 签发 the editor
 * is read-only until the signer consents to a change.
 */
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, InputNumber, Modal, Radio, Result, Row, Select, Space, Spin, Tag, Typography, Upload, type UploadFile } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { api, ApiError, download } from '../api';
import { loadRoutes } from '../catalog';
import { BodyBlocksEditor } from '../components/BodyBlocksEditor';
import { DraftVersions } from '../components/DraftVersions';
import { ReasonButton } from '../components/ReasonButton';
import { FileViewer } from '../components/ScanViewer';
import { SubmitDraftDialog } from '../components/SubmitDraftDialog';
import { shortDateTime } from '../format';
import { useMe } from '../me';
import { loadDraftingOptions, STATE_COLORS, type BodyBlock, type DraftContent, type DraftingOptions, type DraftView } from '../outgoing';
import { uploadFile } from '../uploads';

const SECRECY = ['非密', '秘密', '机密', '绝密'];
const URGENCY = ['普通', '加急', '特急'];

interface Values {
  docType: string;
  title: string;
  mainRecipients: string[];
  copyRecipients: string[];
  secrecy: string;
  period?: string;
  copies?: number;
  urgency: string;
  issuingCode?: string;
  direction?: string;
  signers: string[];
  attachments: string[];
  note?: string;
  bodyKind: 'structured' | 'file';
}

const NEW_VALUES: Values = { docType: '通知', title: '', mainRecipients: [], copyRecipients: [], secrecy: '非密', urgency: '普通', signers: [], attachments: [], bodyKind: 'structured' };
const NEW_BLOCKS: BodyBlock[] = [{ kind: 'paragraph', text: '' }];

function valuesOf(c: DraftContent): Values {
  return {
    docType: c.docType,
    title: c.title,
    mainRecipients: c.mainRecipients,
    copyRecipients: c.copyRecipients,
    secrecy: c.secrecy.level,
    period: c.secrecy.period,
    copies: c.copies,
    urgency: c.urgency,
    issuingCode: c.issuingCode,
    direction: c.direction,
    signers: c.signers,
    attachments: c.attachments,
    note: c.note,
    bodyKind: c.body.kind,
  };
}

const trimmed = (list: string[] | undefined) => (list ?? []).map((s) => s.trim()).filter(Boolean);

/** The form as the API's fields (the body apart); only what the draft has or the writer filled. */
function fieldsOf(v: Values, current: DraftContent | undefined): Record<string, unknown> {
  const classified = v.secrecy !== '非密';
  const period = v.period?.trim();
  const note = v.note?.trim() ?? '';
  return {
    docType: v.docType,
    title: v.title.trim(),
    mainRecipients: trimmed(v.mainRecipients),
    copyRecipients: trimmed(v.copyRecipients),
    secrecy: { level: v.secrecy, ...(classified && period ? { period } : {}) },
    ...(classified && v.copies !== undefined && v.copies !== null ? { copies: v.copies } : {}),
    urgency: v.urgency,
    issuingCode: v.issuingCode,
    direction: v.direction,
    signers: v.direction === 'upward' ? trimmed(v.signers) : [],
    attachments: trimmed(v.attachments),
    // An empty 附注 is sent only to clear one: otherwise it would count as a change.
    ...(note || current?.note ? { note } : {}),
  };
}

/** Free lists (主送, 抄送, 附件 …) typed as tags: Enter or a separator ends each. */
const tags = (placeholder: string, testId: string) => <Select mode="tags" suffixIcon={null} tokenSeparators={['、', '，', ',', ';', '；']} placeholder={placeholder} data-testid={testId} />;

export function DraftEditorPage({ phone }: { phone: boolean }) {
  const { draftId } = useParams();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const me = useMe();
  const [form] = Form.useForm<Values>();
  const [options, setOptions] = useState<DraftingOptions>();
  const [departments, setDepartments] = useState<Map<string, string>>(new Map());
  const [draft, setDraft] = useState<DraftView>();
  const [blocks, setBlocks] = useState<BodyBlock[]>(NEW_BLOCKS);
  const [bodyFile, setBodyFile] = useState<UploadFile[]>([]);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<string>();
  const [refusal, setRefusal] = useState<ApiError>();
  const [busy, setBusy] = useState<string>();
  const [askNote, setAskNote] = useState(false);
  const [changeNote, setChangeNote] = useState('');
  const [preview, setPreview] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const secrecy = Form.useWatch('secrecy', form);
  const direction = Form.useWatch('direction', form);
  const bodyKind = Form.useWatch('bodyKind', form);

  /** Shows a draft as the API answered it: the form, the blocks, nothing unsaved. */
  const show = useCallback(
    (d: DraftView) => {
      setDraft(d);
      form.setFieldsValue({ ...NEW_VALUES, period: undefined, copies: undefined, note: undefined, ...valuesOf(d.content) });
      setBlocks(d.content.body.kind === 'structured' ? d.content.body.blocks : NEW_BLOCKS);
      setBodyFile([]);
      setDirty(false);
    },
    [form],
  );

  const load = useCallback(async () => {
    if (!draftId) return;
    setError(undefined);
    try {
      show(await api<DraftView>('GET', `/drafts/${encodeURIComponent(draftId)}`));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '读取稿件失败，请稍后再试');
    }
  }, [draftId, show]);

  useEffect(() => {
    loadDraftingOptions().then(setOptions, (err: unknown) => setError(err instanceof ApiError ? err.message : '读取拟稿选项失败，请稍后再试'));
    loadRoutes().then((all) => setDepartments(new Map((all.departments ?? []).map((d) => [d.code, d.name]))), () => undefined);
  }, []);

  useEffect(() => {
    setRefusal(undefined);
    if (draftId) void load();
    else {
      setDraft(undefined);
      form.resetFields();
      setBlocks(NEW_BLOCKS);
      setDirty(false);
    }
  }, [draftId, load, form]);

  if (error) return <Result status="warning" title={error} extra={<Button onClick={() => navigate('/drafts')}>回到拟稿列表</Button>} />;
  if (!options || !me || (draftId && !draft)) return <Spin description="正在加载…"><div style={{ height: 120 }} /></Spin>;
  if (!draftId && !me.department) return <Result status="info" title="您的账号没有所属科室" subTitle="拟稿以科室名义进行；请联系管理员设置您的科室。" />;

  const numbered = draft?.state === 'numbered' || draft?.state === 'sealed';
  const consented = Boolean(draft?.consent && draft.consent.version === draft.version);
  const readOnly = Boolean(draft?.frozen) && !consented;
  const submitted = Boolean(draft && draft.state !== 'drafting');
  const cleared = SECRECY.slice(0, Math.max(1, SECRECY.indexOf(me.clearance) + 1));
  const classified = secrecy !== undefined && secrecy !== '非密';
  const codeDirection = (code: string | undefined) => options.issuingCodes.find((c) => c.code === code)?.direction;

  const save = async (note?: string) => {
    setRefusal(undefined);
    let v: Values;
    try {
      v = await form.validateFields();
    } catch {
      setRefusal(new ApiError(400, '请先按提示填写标红的项目'));
      return;
    }
    const structured = v.bodyKind === 'structured';
    const typed = blocks.map((b) => ({ ...b, text: b.text.trim() }));
    const empty = typed.findIndex((b) => !b.text);
    if (structured && typed.length === 0) return setRefusal(new ApiError(400, '正文不能为空：请添加段落'));
    if (structured && empty >= 0) return setRefusal(new ApiError(400, `正文第${empty + 1}段没有文字：请填写或删除`));
    const chosen = bodyFile[0]?.originFileObj;
    if (!structured && !chosen && draft?.content.body.kind !== 'file') return setRefusal(new ApiError(400, '请选择正文文件（.docx 或 PDF）'));
    try {
      let body: unknown;
      if (structured) body = { kind: 'structured', blocks: typed };
      else if (chosen) {
        setBusy(`正在上传 ${chosen.name}…`);
        body = { kind: 'file', uploadId: await uploadFile(chosen) };
      }
      setBusy('正在保存…');
      const fields = { ...fieldsOf(v, draft?.content), ...(body ? { body } : {}) };
      if (!draft) {
        const created = await api<DraftView>('POST', '/drafts', fields);
        show(created);
        void message.success('已保存');
        navigate(`/drafts/${created.draftId}`, { replace: true });
        return;
      }
      const saved = await api<DraftView>('PUT', `/drafts/${draft.draftId}`, { revision: draft.revision, ...(note ? { changeNote: note } : {}), ...fields });
      show(saved);
      setAskNote(false);
      setChangeNote('');
      void message.success(saved.version > draft.version ? `已保存为第${saved.version}版` : '已保存');
    } catch (err) {
      setAskNote(false);
      setRefusal(err instanceof ApiError ? err : new ApiError(0, '保存失败，请稍后再试'));
    } finally {
      setBusy(undefined);
    }
  };

  const stale = refusal?.status === 409 && typeof refusal.details.changedBy === 'string';
  const loadPreview = async () => {
    const { blob } = await download(`/drafts/${draft!.draftId}/preview`);
    return { bytes: new Uint8Array(await blob.arrayBuffer()), contentType: blob.type || 'application/pdf' };
  };

  const header = (
    <Card>
      <Typography.Title level={phone ? 5 : 4} style={{ marginTop: 0 }} data-testid="draft-title">
        {draft ? draft.content.title : '新建拟稿'}
      </Typography.Title>
      <Space size={[6, 6]} wrap>
        {draft && (
          <Tag color={STATE_COLORS[draft.state]} data-testid="draft-state">
            {draft.stateName}
          </Tag>
        )}
        {draft && draft.version > 0 && <Typography.Text data-testid="draft-version">第{draft.version}版</Typography.Text>}
        <Typography.Text type="secondary">
          拟稿：{draft ? draft.drafter.name : me.name}（{departments.get(draft?.department ?? me.department ?? '') ?? draft?.department ?? me.department}）
        </Typography.Text>
        {draft && (
          <Typography.Text type="secondary">
            {draft.updatedBy.name} 更新于 {shortDateTime(draft.updatedAt)}
          </Typography.Text>
        )}
        {/* Once submitted the draft is also a document on its outgoing route (same id). */}
        {submitted && draft && (
          <Link to={`/documents/${draft.draftId}`} data-testid="draft-route">
            办理进度
          </Link>
        )}
      </Space>
      {readOnly && draft && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="frozen"
          title={numbered ? `稿件${draft.stateName}，内容不能再改` : `稿件已由${draft.signed?.byName ?? '签发人'}签发，内容已冻结`}
          description={numbered ? '文号已编定：如确需修改，请先作废文号并重新签发。' : `签发后修改需签发人同意：请${draft.signed?.byName ?? '签发人'}在稿件上“同意修改”，修改后需重新签发。`}
          action={!numbered && draft.signed?.by === me.username ? (
                <ReasonButton
                  label="同意修改"
                  title="同意修改已签发的稿件"
                  okText="同意修改"
                  hint="修改保存后成为新版本，稿件回到待签发，需您重新签发。"
                  placeholder="同意修改的说明，如：同意补充值班电话"
                  testId="consent"
                  textTestId="consent-note"
                  send={(note) => api('POST', `/drafts/${encodeURIComponent(draft.draftId)}/consent`, { note })}
                  onDone={() => void load()}
                />
              ) : undefined}
        />
      )}
      {consented && draft?.consent && (
        <Alert type="info" showIcon style={{ marginTop: 12 }} title={`${draft.consent.byName}已同意修改：${draft.consent.note}`} description="保存后成为新版本，稿件回到待签发，需重新签发。" />
      )}
    </Card>
  );

  const fields = readOnly && draft ? (
    <DraftFacts content={draft.content} options={options} />
  ) : (
    <Card title="稿件信息" size="small">
      <Form<Values>
        form={form}
        layout="vertical"
        disabled={readOnly}
        initialValues={NEW_VALUES}
        onValuesChange={(changed: Partial<Values>) => {
          setDirty(true);
          // A code made for one direction sets it (an office code leaves the choice).
          const d = 'issuingCode' in changed ? codeDirection(changed.issuingCode) : undefined;
          if (d) form.setFieldValue('direction', d);
        }}
        data-testid="draft-form"
      >
        <Row gutter={16}>
          <Col xs={24} md={8}>
            <Form.Item name="docType" label="文种" rules={[{ required: true, message: '请选择文种' }]}>
              <Select showSearch options={options.docTypes.map((t) => ({ value: t, label: t }))} data-testid="field-docType" />
            </Form.Item>
          </Col>
          <Col xs={24} md={16}>
            <Form.Item name="title" label="标题" rules={[{ required: true, whitespace: true, message: '请填写标题' }, { max: 200, message: '标题不超过 200 字' }]}>
              <Input placeholder="例如：关于开展冬季安全生产大检查的通知" data-testid="field-title" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="mainRecipients" label="主送" extra="每个机关输入后按回车">
          {tags('如 各科室、各车间', 'field-mainRecipients')}
        </Form.Item>
        <Form.Item name="copyRecipients" label="抄送">
          {tags('如 市应急管理局', 'field-copyRecipients')}
        </Form.Item>
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Form.Item name="secrecy" label="密级" extra={cleared.length < SECRECY.length ? `您的密级为${me.clearance}，不能拟写更高密级的稿件` : undefined}>
              <Radio.Group optionType="button" buttonStyle="solid" options={cleared} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="urgency" label="紧急程度">
              <Radio.Group optionType="button" buttonStyle="solid" options={URGENCY} />
            </Form.Item>
          </Col>
        </Row>
        {classified && (
          <Row gutter={16}>
            <Col xs={24} md={12}>
              <Form.Item name="copies" label="份数" extra="涉密文件每份印有份号（000001 起）" rules={[{ required: true, message: '涉密文件须填写份数' }]}>
                <InputNumber min={1} max={999999} precision={0} style={{ width: '100%' }} placeholder="印制份数" data-testid="field-copies" />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="period" label="保密期限" rules={[{ pattern: /^\d+(年|个月)$/, message: '写作数字加“年”或“个月”，如 10年' }]}>
                <Input placeholder="如 10年（可不填）" />
              </Form.Item>
            </Col>
          </Row>
        )}
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Form.Item name="issuingCode" label="发文代字" rules={[{ required: true, message: '请选择发文代字' }]}>
              <Select options={options.issuingCodes.map((c) => ({ value: c.code, label: `${c.code}（${c.name}）` }))} placeholder="请选择发文代字" data-testid="field-issuingCode" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="direction" label="行文方向" rules={[{ required: true, message: '请选择行文方向' }]}>
              <Radio.Group optionType="button" buttonStyle="solid" options={options.directions.map((d) => ({ value: d.id, label: d.name, disabled: Boolean(codeDirection(form.getFieldValue('issuingCode'))) && codeDirection(form.getFieldValue('issuingCode')) !== d.id }))} />
            </Form.Item>
          </Col>
        </Row>
        {direction === 'upward' && (
          <Form.Item name="signers" label="签发人" extra="上行文在发文字号右侧印签发人姓名" rules={[{ required: true, message: '上行文须填写签发人' }]}>
            {tags('如 赵敏', 'field-signers')}
          </Form.Item>
        )}
        <Form.Item name="attachments" label="附件" extra="附件说明：按顺序填写附件名称，印在正文之后（如 安全检查表）">
          {tags('附件名称，输入后按回车', 'field-attachments')}
        </Form.Item>
        <Form.Item name="note" label="附注">
          <Input placeholder="如 联系人：刘洋，电话：1234567（可不填）" maxLength={300} />
        </Form.Item>
        <Form.Item name="bodyKind" label="正文" style={{ marginBottom: 0 }}>
          <Radio.Group
            optionType="button"
            buttonStyle="solid"
            options={[
              { value: 'structured', label: '在线编写' },
              { value: 'file', label: '上传 Word/PDF' },
            ]}
          />
        </Form.Item>
      </Form>
    </Card>
  );

  const existingFile = draft?.content.body.kind === 'file' ? draft.content.body : undefined;
  const body = (
    <Card title="正文" size="small" data-testid="draft-body">
      {bodyKind === 'file' ? (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {existingFile && (
            <Typography.Text>
              当前正文文件：{existingFile.fileName}（{Math.ceil(existingFile.size / 1024)} KB）
            </Typography.Text>
          )}
          {!readOnly && (
            <div data-testid="body-file">
              <Upload
                accept=".docx,.pdf"
                beforeUpload={() => false}
                maxCount={1}
                fileList={bodyFile}
                onChange={({ fileList }) => {
                  setBodyFile(fileList);
                  setDirty(true);
                }}
              >
                <Button icon={<UploadOutlined />}>{existingFile ? '更换正文文件' : '选择正文文件'}</Button>
              </Upload>
              <Typography.Text type="secondary">Word（.docx）或 PDF；保存时上传</Typography.Text>
            </div>
          )}
        </Space>
      ) : (
        <BodyBlocksEditor
          blocks={blocks}
          readOnly={readOnly}
          onChange={(b) => {
            setBlocks(b);
            setDirty(true);
          }}
        />
      )}
    </Card>
  );

  const actions = (
    <Card size="small" data-testid="draft-actions">
      <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        {!readOnly && (
          <Button type="primary" loading={busy !== undefined} onClick={() => (submitted ? setAskNote(true) : void save())} data-testid="save-draft">
            保存
          </Button>
        )}
        {draft && (
          <Button onClick={() => setPreview(true)} data-testid="preview-draft">
            预览
          </Button>
        )}
        {draft?.state === 'drafting' && (
          <Button
            onClick={() => {
              setRefusal(undefined);
              if (dirty) setRefusal(new ApiError(400, '有未保存的修改：请先保存，再送审'));
              else setSubmitting(true);
            }}
            data-testid="submit-draft"
          >
            送审
          </Button>
        )}
        {busy && <Typography.Text type="secondary">{busy}</Typography.Text>}
        {!busy && dirty && draft && <Typography.Text type="warning">有未保存的修改</Typography.Text>}
        {refusal && (
          <Alert
            type="error"
            showIcon
            title={refusal.message}
            data-testid="draft-refusal"
            style={{ flex: '1 1 240px' }}
            action={
              stale ? (
                <Button size="small" onClick={() => void load().then(() => setRefusal(undefined))} data-testid="reload-draft">
                  载入最新内容
                </Button>
              ) : undefined
            }
            description={stale ? '载入后您尚未保存的修改将丢失，请先另行记下。' : undefined}
          />
        )}
      </div>
    </Card>
  );

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="draft-editor">
      <Link to="/drafts">‹ 返回拟稿列表</Link>
      {header}
      {fields}
      {body}
      {actions}
      {draft && draft.version > 0 && <DraftVersions draftId={draft.draftId} version={draft.version} />}

      <Modal
        open={askNote}
        title={`保存为第${(draft?.version ?? 0) + 1}版`}
        onCancel={() => setAskNote(false)}
        okText="保存"
        cancelText="取消"
        okButtonProps={{ disabled: !changeNote.trim(), loading: busy !== undefined, ...{ 'data-testid': 'confirm-save' } }}
        onOk={() => void save(changeNote.trim())}
        destroyOnHidden
        style={{ maxWidth: 'calc(100vw - 32px)' }}
      >
        <Typography.Paragraph type="secondary">稿件已送审，每次修改都记为新版本。请写明改了什么、为什么改。</Typography.Paragraph>
        <Input.TextArea value={changeNote} onChange={(e) => setChangeNote(e.target.value)} autoSize={{ minRows: 2, maxRows: 6 }} maxLength={500} showCount placeholder="修改说明，如 结束日期延后至12月20日" aria-label="修改说明" data-testid="change-note" />
      </Modal>

      {draft && (
        <Modal open={preview} title={`预览：${draft.content.title}`} onCancel={() => setPreview(false)} footer={null} destroyOnHidden width={phone ? '100%' : 860} style={{ maxWidth: 'calc(100vw - 16px)', top: phone ? 8 : 24 }}>
          {dirty && <Alert type="warning" showIcon title="预览显示已保存的内容；未保存的修改不在其中" style={{ marginBottom: 8 }} />}
          <div data-testid="draft-preview">
            <FileViewer load={loadPreview} loadKey={`${draft.draftId}-${draft.revision}`} noun="预览" fileName={`${draft.content.title}（预览）.pdf`} maxHeight={phone ? '70vh' : '75vh'} />
          </div>
        </Modal>
      )}

      {draft && (
        <SubmitDraftDialog
          open={submitting}
          draftId={draft.draftId}
          onClose={() => setSubmitting(false)}
          onSubmitted={(d) => {
            setSubmitting(false);
            show(d);
            void message.success(`已送审${d.routeName ? `（${d.routeName}）` : ''}，稿件为第1版`);
          }}
        />
      )}
    </Space>
  );
}

/** A frozen draft's fields as a record to read (the form's disabled inputs are hard to read). */
function DraftFacts({ content: c, options }: { content: DraftContent; options: DraftingOptions }) {
  const list = (items: string[]) => (items.length ? items.join('、') : '—');
  const items = [
    { label: '文种', children: c.docType },
    { label: '标题', children: c.title },
    { label: '主送', children: list(c.mainRecipients) },
    { label: '抄送', children: list(c.copyRecipients) },
    { label: '密级', children: c.secrecy.period ? `${c.secrecy.level}★${c.secrecy.period}` : c.secrecy.level },
    ...(c.copies !== undefined && c.secrecy.level !== '非密' ? [{ label: '份数', children: `${c.copies}份` }] : []),
    { label: '紧急程度', children: c.urgency },
    { label: '发文代字', children: c.issuingCode },
    { label: '行文方向', children: options.directions.find((d) => d.id === c.direction)?.name ?? c.direction },
    ...(c.signers.length ? [{ label: '签发人', children: list(c.signers) }] : []),
    { label: '附件', children: list(c.attachments) },
    ...(c.note ? [{ label: '附注', children: c.note }] : []),
  ].map((item, i) => ({ key: i, ...item }));
  return (
    <Card title="稿件信息" size="small" data-testid="draft-facts">
      <Descriptions column={{ xs: 1, md: 2 }} size="small" items={items} />
    </Card>
  );
}

