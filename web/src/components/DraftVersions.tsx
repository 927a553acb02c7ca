/**
 * 版本记录: a draft's versions (GET …/versions: who, when, the note, the fields changed), and 比较:
 * what changed between any two (GET …/diff?from=&to=), text inserted underlined in green and
 * deleted struck through in red, paragraph by paragraph, long unchanged stretches folded.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Button, Card, Select, Space, Spin, Tag, Typography } from 'antd';
import { api, ApiError } from '../api';
import { shortDateTime } from '../format';
import type { DraftDiff, TextRun, VersionSummary } from '../outgoing';

interface Props {
  draftId: string;
  /** The draft's current version: the list is read again when it changes. */
  version: number;
}

export function DraftVersions({ draftId, version }: Props) {
  const [versions, setVersions] = useState<VersionSummary[]>();
  const [cursor, setCursor] = useState<string>();
  const [error, setError] = useState<string>();
  const [from, setFrom] = useState(Math.max(1, version - 1));
  const [to, setTo] = useState(version);
  const [diff, setDiff] = useState<DraftDiff>();
  const [comparing, setComparing] = useState(false);

  const page = (after?: string) => api<{ items: VersionSummary[]; cursor?: string }>('GET', `/drafts/${draftId}/versions?limit=100${after ? `&cursor=${encodeURIComponent(after)}` : ''}`);

  useEffect(() => {
    let live = true;
    setError(undefined);
    setDiff(undefined);
    setFrom(Math.max(1, version - 1));
    setTo(version);
    page().then(
      (p) => {
        if (!live) return;
        setVersions(p.items);
        setCursor(p.cursor);
      },
      (err: unknown) => live && setError(err instanceof ApiError ? err.message : '读取版本记录失败，请稍后再试'),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draftId, version]);

  const more = async () => {
    try {
      const p = await page(cursor);
      setVersions((v) => [...(v ?? []), ...p.items]);
      setCursor(p.cursor);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '读取版本记录失败，请稍后再试');
    }
  };

  const compare = async () => {
    setComparing(true);
    setError(undefined);
    try {
      setDiff(await api<DraftDiff>('GET', `/drafts/${draftId}/diff?from=${from}&to=${to}`));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '比较失败，请稍后再试');
    } finally {
      setComparing(false);
    }
  };

  const options = Array.from({ length: version }, (_, i) => ({ value: i + 1, label: `第${i + 1}版` }));

  return (
    <Card title="版本记录" size="small" data-testid="versions">
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      {!versions && !error && <Spin description="正在加载…"><div style={{ height: 60 }} /></Spin>}
      {versions && (
        <ol className="version-list">
          {[...versions].reverse().map((v) => (
            <li key={v.version} data-testid="version" data-version={v.version}>
              <Space size={[6, 2]} wrap>
                <Typography.Text strong>第{v.version}版</Typography.Text>
                <Typography.Text>{v.byName}</Typography.Text>
                <Typography.Text type="secondary">{shortDateTime(v.at)}</Typography.Text>
                {v.version === 1 && <Tag>送审</Tag>}
                {v.changedFields.map((f) => (
                  <Tag key={f} color="blue">
                    {f}
                  </Tag>
                ))}
                {v.consented && <Tag color="orange">经签发人同意</Tag>}
              </Space>
              {v.note && <div className="version-note">修改说明：{v.note}</div>}
            </li>
          ))}
        </ol>
      )}
      {cursor && (
        <Button size="small" onClick={() => void more()}>
          更早的版本
        </Button>
      )}
      {version >= 2 && (
        <div style={{ marginTop: 12 }}>
          <Space wrap>
            <Typography.Text>比较</Typography.Text>
            <Select value={from} options={options} onChange={setFrom} style={{ width: 100 }} aria-label="旧版本" data-testid="diff-from" />
            <Typography.Text>与</Typography.Text>
            <Select value={to} options={options} onChange={setTo} style={{ width: 100 }} aria-label="新版本" data-testid="diff-to" />
            <Button onClick={() => void compare()} loading={comparing} disabled={from === to} data-testid="compare">
              比较
            </Button>
          </Space>
          {diff && <DiffView diff={diff} />}
        </div>
      )}
    </Card>
  );
}

function Runs({ runs }: { runs: TextRun[] }) {
  return (
    <>
      {runs.map((r, i) =>
        r.op === 'insert' ? (
          <ins key={i} className="diff-ins">
            {r.text}
          </ins>
        ) : r.op === 'delete' ? (
          <del key={i} className="diff-del">
            {r.text}
          </del>
        ) : (
          <span key={i}>{r.text}</span>
        ),
      )}
    </>
  );
}

/** A field's value as a clerk reads it: lists joined with 、, 密级 with its period. */
function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '（空）';
  if (Array.isArray(value)) return value.length ? value.join('、') : '（空）';
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.level === 'string') return v.period ? `${v.level}★${String(v.period)}` : v.level;
    if (v.kind === 'file') return `文件《${String(v.fileName)}》`;
    if (v.kind === 'structured') return `在线编写（${String(v.paragraphs)}段）`;
    return JSON.stringify(value);
  }
  return String(value);
}

const LEVELS = ['', '一级标题', '二级标题', '三级标题', '四级标题'];
/** Unchanged paragraphs between changes: more than this many are folded to a line. */
const CONTEXT = 1;

function DiffView({ diff }: { diff: DraftDiff }) {
  // 正文 is shown below paragraph by paragraph when both sides are typed.
  const fields = diff.fields.filter((f) => !(f.field === 'body' && diff.body));
  const body = diff.body ?? [];
  const rows: ReactNode[] = [];
  const changed = body.map((b) => b.op !== 'equal');
  let folded = 0;
  const flush = (key: string) => {
    if (folded > 0) rows.push(<div key={key} className="diff-fold">…… {folded} 段未改动 ……</div>);
    folded = 0;
  };
  body.forEach((b, i) => {
    const near = changed.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some(Boolean);
    if (!near) {
      folded++;
      return;
    }
    flush(`fold-${i}`);
    rows.push(
      <div key={i} className={`diff-block diff-${b.op}${b.kind === 'heading' ? ' diff-heading' : ''}`} data-testid="diff-block" data-op={b.op}>
        {b.kind === 'heading' && <span className="diff-level">{LEVELS[b.level ?? 1]}</span>}
        {b.op === 'added' && <span className="diff-mark">新增</span>}
        {b.op === 'removed' && <span className="diff-mark">删除</span>}
        <Runs runs={b.runs} />
      </div>,
    );
  });
  flush('fold-end');

  return (
    <div className="draft-diff" data-testid="diff">
      <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
        第{diff.from.version}版（{diff.from.byName}，{shortDateTime(diff.from.at)}）→ 第{diff.to.version}版（{diff.to.byName}，{shortDateTime(diff.to.at)}）
        {diff.to.note ? `：${diff.to.note}` : ''}
      </Typography.Paragraph>
      {fields.length === 0 && body.every((b) => b.op === 'equal') && <Alert type="info" title="两个版本内容相同" />}
      {fields.map((f) => (
        <div key={f.field} className="diff-field" data-testid="diff-field">
          <Typography.Text strong>{f.label}：</Typography.Text>
          {f.runs ? (
            <Runs runs={f.runs} />
          ) : (
            <>
              <del className="diff-del">{shown(f.before)}</del> → <ins className="diff-ins">{shown(f.after)}</ins>
            </>
          )}
        </div>
      ))}
      {body.some((b) => b.op !== 'equal') && (
        <div className="diff-body">
          <Typography.Text strong>正文：</Typography.Text>
          {rows}
        </div>
      )}
    </div>
  );
}
