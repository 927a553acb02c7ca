/**
 * One document: its header, the processing slip laid out like the paper 文件处理笺, a timeline
 * from the audit trail, and — when the task in the address (or an open one of mine) is mine to
 * act on — the step's decision form.
 */
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { Alert, App, Button, Card, Col, Result, Row, Space, Spin, Tag, Timeline, Typography } from 'antd';
import { api, ApiError, type BoxPage, type DocumentView, type RouteDescription, type TaskItem, type TimelineEvent } from '../api';
import { DecisionForm, type Department } from '../components/DecisionForm';
import { StepOperations } from '../components/StepOperations';
import { DocumentActions } from '../components/DocumentActions';
import { useMe } from '../me';
import { ScanPanel } from '../components/ScanViewer';
import { OutgoingPanel } from '../components/OutgoingPanel';
import { fullDate, shortDateTime, urgencyColor } from '../format';
import { actionLabel, actorLabel } from '../labels';
import { loadRoutes } from '../catalog';


export function DocumentPage({ phone }: { phone: boolean }) {
  const { docId = '' } = useParams();
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [view, setView] = useState<DocumentView>();
  const [route, setRoute] = useState<RouteDescription>();
  const [departments, setDepartments] = useState<Department[]>([]);
  const [myTask, setMyTask] = useState<TaskItem>();
  const [error, setError] = useState<string>();
  const me = useMe();

  const load = useCallback(async () => {
    setError(undefined);
    try {
      const [doc, all, mine] = await Promise.all([
        api<DocumentView>('GET', `/documents/${encodeURIComponent(docId)}`),
        loadRoutes(),
        api<BoxPage<TaskItem>>('GET', '/tasks'),
      ]);
      setView(doc);
      setRoute(all.items.find((r) => r.id === doc.document.route));
      setDepartments(all.departments ?? []);
      const wanted = search.get('task');
      setMyTask(mine.items.find((t) => t.docId === docId && (!wanted || t.taskId === wanted)) ?? mine.items.find((t) => t.docId === docId));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '读取失败，请稍后再试');
    }
  }, [docId, search]);

  useEffect(() => {
    void load();
  }, [load]);

  // A route between two steps (just submitted, a decision just taken) has no open task for a
  // moment: look again shortly, a few times, rather than show a document that seems to stand still.
  const moving = view !== undefined && (view.document.status === 'registered' || view.document.status === 'in-progress') && !view.tasks.some((t) => t.status === 'open');
  const [looks, setLooks] = useState(0);
  useEffect(() => {
    if (!moving || looks >= 10) return;
    const timer = setTimeout(() => {
      setLooks((n) => n + 1);
      void load();
    }, 1500);
    return () => clearTimeout(timer);
  }, [moving, looks, load]);

  if (error) return <Result status="warning" title={error} extra={<Button onClick={() => navigate('/todo')}>回到待办</Button>} />;
  if (!view) return <Spin description="正在加载…"><div style={{ height: 120 }} /></Spin>;

  const doc = view.document;
  const step = myTask && route?.steps.find((s) => s.id === myTask.step);
  const stepNames = new Map(route?.steps.map((s) => [s.id, s.name]) ?? []);

  const header = (
    <>
      <Card>
        <Typography.Title level={phone ? 5 : 4} style={{ marginTop: 0 }} data-testid="doc-title">
          {doc.title || '（无标题）'}
        </Typography.Title>
        <Space size={[6, 6]} wrap>
          {doc.urgency && <Tag color={urgencyColor(doc.urgency)}>{doc.urgency}</Tag>}
          {doc.secrecy && <Tag color={doc.secrecy === '非密' ? undefined : 'purple'}>{doc.secrecy}</Tag>}
          {doc.registerNumber && <Typography.Text>{doc.registerNumber}</Typography.Text>}
          {doc.sourceNumber && <Typography.Text type="secondary">来文字号 {doc.sourceNumber}</Typography.Text>}
        </Space>
        {me && (
          <div style={{ marginTop: 12 }}>
            <DocumentActions
              view={view}
              me={me}
              onDone={(text) => {
                void message.success(text);
                void load();
              }}
            />
          </div>
        )}
      </Card>

    </>
  );
  const rest = (
    <>
      {(doc.content || (view.attachments ?? []).length > 0) && (
        <Card title={doc.content ? '正文' : '附件'} size="small" data-testid="doc-content">
          {doc.content && <div className="doc-body">{doc.content}</div>}
          {(view.attachments ?? []).length > 0 && (
            <div style={{ marginTop: doc.content ? 12 : 0 }}>
              {doc.content && <Typography.Text strong>附件：</Typography.Text>}
              <ol className="attachment-list">
                {(view.attachments ?? []).map((a, i) => (
                  <li key={`${a.name}-${i}`}>
                    {a.url ? <a href={a.url}>{a.name}</a> : a.name}
                    {a.uploadedByName && <Typography.Text type="secondary">（{a.uploadedByName}{a.attachedAt ? ` ${shortDateTime(a.attachedAt)}` : ''}）</Typography.Text>}
                  </li>
                ))}
              </ol>
            </div>
          )}
        </Card>
      )}
      {myTask && step && (
        <Card title={`${step.name}（请您办理）`} extra={myTask.dueAt ? <Typography.Text type="secondary">期限 {shortDateTime(myTask.dueAt)}</Typography.Text> : undefined}>
          {step.ask && <Alert type="info" title={step.ask} style={{ marginBottom: 16 }} />}
          <DecisionForm
            taskId={myTask.taskId}
            step={step}
            departments={departments}
            onDecided={() => {
              void message.success(`${step.name}意见已提交`);
              navigate('/todo');
            }}
          />
          <StepOperations
            taskId={myTask.taskId}
            docId={docId}
            step={step}
            stepNames={stepNames}
            onDone={(text, leaves) => {
              void message.success(text);
              if (leaves) navigate('/todo');
              else void load();
            }}
          />
          {/* 委托 is per person and date range (请假、出差): set where one's profile is. */}
          <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
            外出期间请他人代办：<Link to="/profile">设置委托</Link>
          </Typography.Paragraph>
        </Card>
      )}

      <Card styles={{ body: { padding: phone ? 8 : 16 } }}>
        <Slip view={view} routeName={route?.name} outgoing={route?.kind === 'outgoing'} />
      </Card>

      <Card title="办理过程" data-testid="timeline">
        <Timeline
          items={(view.timeline ?? []).map((e) => ({
            key: e.seq,
            color: e.action === 'task.decided' ? 'green' : e.action.includes('overdue') || e.action.includes('escalated') ? 'red' : 'blue',
            content: <TimelineText event={e} stepNames={stepNames} />,
          }))}
        />
      </Card>
    </>
  );
  // An outgoing document (发文) shows itself as it will print, where an incoming one shows its scan.
  const scan =
    route?.kind === 'outgoing' ? (
      <OutgoingPanel
        docId={docId}
        phone={phone}
        refreshKey={String(view.timeline?.length ?? 0)}
        mayVoid={Boolean(me?.roles.some((r) => r === 'clerk' || r === 'confidential-clerk' || r === 'office-director'))}
        onChanged={() => {
          void message.success('文号已作废，公文退回编号');
          void load();
        }}
      />
    ) : doc.scan?.fileName ? (
      <ScanPanel docId={docId} fileName={doc.scan.fileName} phone={phone} />
    ) : null;

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="document-page">
      <Link to="/todo">‹ 返回待办</Link>
      {header}
      {scan && !phone ? (
        // At a desk the scan stays in view beside the form, the slip and the timeline, as on paper.
        <Row gutter={16} wrap={false}>
          <Col flex="1 1 50%" style={{ minWidth: 0 }}>
            <div style={{ position: 'sticky', top: 16 }}>{scan}</div>
          </Col>
          <Col flex="1 1 50%" style={{ minWidth: 0 }}>
            <Space orientation="vertical" size={16} style={{ width: '100%' }}>
              {rest}
            </Space>
          </Col>
        </Row>
      ) : (
        <>
          {scan}
          {rest}
        </>
      )}
    </Space>
  );
}

function TimelineText({ event, stepNames }: { event: TimelineEvent; stepNames: Map<string, string> }) {
  const details = event.details ?? {};
  const step = typeof details.step === 'string' ? stepNames.get(details.step) ?? details.step : undefined;
  const decision = details.decision as { byName?: string; opinion?: string } | undefined;
  const who = decision?.byName ?? event.actorName ?? actorLabel(event.actor);
  const words = [details.note, details.reason].find((w): w is string => typeof w === 'string' && w.length > 0);
  return (
    <Space orientation="vertical" size={0}>
      <Typography.Text>
        {actionLabel(event.action)}
        {step ? `：${step}` : ''}
        {typeof details.registerNumber === 'string' ? `（${details.registerNumber}）` : ''}
      </Typography.Text>
      <Typography.Text type="secondary">
        {who} · {shortDateTime(event.at)}
      </Typography.Text>
      {decision?.opinion && <Typography.Text type="secondary">“{decision.opinion}”</Typography.Text>}
      {/* 办理反馈, 催办, 退回, 撤回 … say what was said with them. */}
      {!decision?.opinion && words && <Typography.Text type="secondary">“{words}”</Typography.Text>}
    </Space>
  );
}

/** 文件处理笺: the header block of the paper form, then one ruled row per step taken. */
function Slip({ view, routeName, outgoing }: { view: DocumentView; routeName?: string; outgoing?: boolean }) {
  const doc = view.document;
  // An outgoing document's opinions in order (the printed 发文稿纸 is downloaded from the panel above).
  const head = outgoing ? (
    <>
      <tr>
        <th>拟稿单位</th>
        <td>
          {doc.sender || '—'}
          {doc.receivedAt ? `　${fullDate(doc.receivedAt)}送审` : ''}
        </td>
      </tr>
      <tr>
        <th>发文字号</th>
        <td>{doc.registerNumber?.includes('〔') && !doc.registerNumber.includes('  号') ? doc.registerNumber : '（签发后编号）'}</td>
      </tr>
    </>
  ) : (
    <>
      <tr>
        <th>来文单位</th>
        <td>{doc.sender || '—'}</td>
      </tr>
      <tr>
        <th>来文字号</th>
        <td>{doc.sourceNumber || '—'}</td>
      </tr>
      <tr>
        <th>收文编号</th>
        <td>
          {doc.registerNumber ?? '—'}
          {doc.receivedAt ? `　${fullDate(doc.receivedAt)}` : ''}
        </td>
      </tr>
    </>
  );
  return (
    <table className="slip" data-testid="slip">
      <caption>{outgoing ? '发文办理记录' : '文件处理笺'}</caption>
      <tbody>
        {head}
        <tr>
          <th>密级 / 缓急</th>
          <td>
            {doc.secrecy ?? '—'} / {doc.urgency ?? '平件'}
          </td>
        </tr>
        <tr>
          <th>标题</th>
          <td>{doc.title}</td>
        </tr>
        {routeName && (
          <tr>
            <th>办理流程</th>
            <td>{routeName}</td>
          </tr>
        )}
        {view.slip.length === 0 && (
          <tr>
            <th>办理意见</th>
            <td className="opinion">尚无办理意见</td>
          </tr>
        )}
        {view.slip.map((line, i) => (
          <tr key={`${line.at}-${i}`} data-testid="slip-line">
            <th>{line.stepName}</th>
            <td>
              <div className="opinion">{line.opinion || '—'}</div>
              {line.details && line.details.length > 0 && (
                <div className="details">{line.details.map((d) => `${d.label}：${d.value}`).join('；')}</div>
              )}
              <div className="signature">
                {line.actorName ?? ''}
                {line.role ? `（${line.role}）` : ''}　{shortDateTime(line.at)}
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
