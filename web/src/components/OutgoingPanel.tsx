/**
 * An outgoing document (发文) on its document page, where an incoming one shows its scan: the
 * document as it will print (the GB/T 9704 preview until 编号, then the numbered PDF, after 用印 the
 * sealed one), what stage it is at, the 发文稿纸 and the sealed copy to download, a link to the
 * draft (versions, diff), and once distributed each department's receipt (签收).
 */
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Card, Collapse, Space, Table, Tag, Typography } from 'antd';
import { api, ApiError, download } from '../api';
import { FileViewer } from './ScanViewer';
import { ReasonButton } from './ReasonButton';
import { shortDateTime } from '../format';

interface DraftSummary {
  draftId: string;
  state: string;
  stateName: string;
  version: number;
  revision: number;
  content: { title: string };
  printed?: { number: string; sha256: string; pages: number };
  sealed?: { sealName: string; at: string; copies: number; sha256: string; byName: string };
}

interface Distribution {
  departmentNames: string[];
  external: { recipient: string; means: string; date: string }[];
  copyHolders: { copyNo: number; holder: string }[];
  receipts: { reader: string; readerName: string; status: string; signedAt?: string; chasedAt?: string; opinion?: string }[];
}

const saveAs = (blob: Blob, fileName: string) => {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
};

export function OutgoingPanel({ docId, phone, refreshKey, mayVoid, onChanged }: { docId: string; phone: boolean; refreshKey: string; mayVoid: boolean; onChanged: () => void }) {
  const [draft, setDraft] = useState<DraftSummary>();
  const [distribution, setDistribution] = useState<Distribution>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let live = true;
    setError(undefined);
    api<DraftSummary>('GET', `/drafts/${encodeURIComponent(docId)}`)
      .then(async (d) => {
        if (!live) return;
        setDraft(d);
        const sent = await api<Distribution>('GET', `/drafts/${encodeURIComponent(docId)}/distribution`).catch(() => undefined);
        if (live) setDistribution(sent);
      })
      .catch((err) => live && setError(err instanceof ApiError ? err.message : '稿件读取失败，请稍后再试'));
    return () => {
      live = false;
    };
  }, [docId, refreshKey]);

  if (error) return <Alert type="warning" showIcon title={error} />;
  if (!draft) return null;

  // Until numbered, the layout as it will print (number left blank); then the issued file itself.
  const issued = draft.printed !== undefined;
  const path = issued ? `/drafts/${encodeURIComponent(docId)}/pdf` : `/drafts/${encodeURIComponent(docId)}/preview`;
  const noun = draft.sealed ? '用印件' : issued ? '签发稿' : '预览';
  const load = async () => {
    const { blob } = await download(path);
    return { bytes: new Uint8Array(await blob.arrayBuffer()), contentType: blob.type || 'application/pdf' };
  };
  const fetchAndSave = async (p: string) => {
    const { blob, fileName } = await download(p);
    saveAs(blob, fileName);
  };

  const viewer = <FileViewer load={load} loadKey={`${docId}-${draft.revision}`} noun={noun} fileName={`${draft.printed?.number ?? ''}${draft.content.title}.pdf`} maxHeight={phone ? '70vh' : '75vh'} />;
  const title = (
    <Space size={[6, 4]} wrap>
      <span>公文</span>
      <Tag color={draft.sealed ? 'red' : issued ? 'blue' : 'default'} data-testid="outgoing-state">
        {draft.stateName}
      </Tag>
      {draft.printed && <Typography.Text data-testid="outgoing-number">{draft.printed.number}</Typography.Text>}
    </Space>
  );
  const actions = (
    <Space size={[8, 8]} wrap style={{ marginBottom: 8 }}>
      <Link to={`/drafts/${encodeURIComponent(docId)}`}>
        <Button>稿件与版本（第{draft.version}版）</Button>
      </Link>
      <Button onClick={() => void fetchAndSave(`/drafts/${encodeURIComponent(docId)}/slip`)} data-testid="download-slip">
        下载发文稿纸
      </Button>
      {draft.sealed && (
        <Button onClick={() => void fetchAndSave(`/drafts/${encodeURIComponent(docId)}/pdf?which=sealed`)} data-testid="download-sealed">
          下载用印件
        </Button>
      )}
      {mayVoid && draft.printed && !distribution && (
        <ReasonButton
          label="作废文号"
          title={`作废文号 ${draft.printed.number}`}
          okText="作废"
          danger
          hint="作废后该文号在发文登记簿中标注作废（不再使用），公文退回编号，另取新号；已盖的印章随之失效。已分发的公文不能作废文号。"
          placeholder="作废原因，如：附件漏印，重新印制"
          testId="void-number"
          textTestId="void-reason"
          send={(reason) => api('POST', `/drafts/${encodeURIComponent(docId)}/void-number`, { reason })}
          onDone={onChanged}
        />
      )}
    </Space>
  );
  const sealLine = draft.sealed && (
    <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }} data-testid="seal-record">
      {draft.sealed.byName}于{shortDateTime(draft.sealed.at)}加盖{draft.sealed.sealName}，{draft.sealed.copies}份；签发稿 SHA-256 {draft.printed?.sha256.slice(0, 16)}…
    </Typography.Paragraph>
  );
  const receipts = distribution && (
    <Card size="small" title="分发与签收" style={{ marginTop: 8 }} data-testid="receipts">
      {distribution.receipts.length > 0 && (
        <Table
          size="small"
          pagination={false}
          rowKey="reader"
          dataSource={distribution.receipts}
          columns={[
            { title: '签收人', dataIndex: 'readerName' },
            { title: '状态', render: (_, r) => (r.status === 'read' ? <Tag color="green">已签收</Tag> : <Tag color={r.chasedAt ? 'red' : 'orange'}>{r.chasedAt ? '未签收（已催）' : '未签收'}</Tag>) },
            { title: '签收时间', render: (_, r) => (r.signedAt ? shortDateTime(r.signedAt) : '—') },
          ]}
        />
      )}
      {distribution.external.length > 0 && (
        <Typography.Paragraph style={{ marginTop: 8, marginBottom: 0 }}>
          外单位：{distribution.external.map((e) => `${e.recipient}（${e.means}，${e.date}）`).join('；')}
        </Typography.Paragraph>
      )}
      {distribution.copyHolders.length > 0 && (
        <Typography.Paragraph style={{ marginTop: 8, marginBottom: 0 }}>份号：{distribution.copyHolders.map((c) => `第${c.copyNo}份 ${c.holder}`).join('；')}</Typography.Paragraph>
      )}
    </Card>
  );

  if (phone) {
    return (
      <div data-testid="outgoing-panel">
        {actions}
        {sealLine}
        <Collapse items={[{ key: 'doc', label: title, styles: { body: { padding: 8 } }, children: viewer }]} />
        {receipts}
      </div>
    );
  }
  return (
    <Card title={title} size="small" data-testid="outgoing-panel">
      {actions}
      {sealLine}
      {viewer}
      {receipts}
    </Card>
  );
}
