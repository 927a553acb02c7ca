/**
 * 通知: my notifications (GET /me/notifications: 待办, 催办, 超期升级, 传阅, 催阅, 延期申请),
 * newest first, each linking to its document; and in local mode the 本地发件箱 — the mail local
 * mode filed for me instead of sending it (GET /local-outbox, absent in the cloud). The menu's
 * count is of notifications newer than the last visit to this page (kept in this browser).
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Badge, Button, Empty, Space, Spin, Tabs, Tag, Typography } from 'antd';
import { api, ApiError } from '../api';
import { userManager } from '../auth';
import { shortDateTime } from '../format';

interface Notification {
  id: string;
  kind: string;
  at: string;
  docId: string;
  title: string;
  secrecy?: string;
  registerNumber?: string;
  stepName?: string;
  dueAt?: string;
  note?: string;
  from?: string;
  fromName?: string;
  holder?: string;
}

interface FiledMail {
  id: string;
  filedAt: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
}

interface Page<T> {
  items: T[];
  cursor?: string;
}

const KIND_COLORS: Record<string, string> = { 待办: 'blue', 催办: 'orange', 超期升级: 'red', 传阅: 'green', 催阅: 'gold', 延期申请: 'purple' };

// ---- "new since my last visit", for the menu's count -------------------------------------------

const SEEN_EVENT = 'chancery:notifications-seen';
const seenKey = async () => `chancery.notificationsSeen.${String((await userManager().getUser())?.profile['cognito:username'] ?? '')}`;

async function markSeen(newest: string | undefined) {
  if (!newest) return;
  const key = await seenKey();
  if ((localStorage.getItem(key) ?? '') < newest) localStorage.setItem(key, newest);
  window.dispatchEvent(new Event(SEEN_EVENT));
}

/** The menu entry: 通知 with the count of notifications newer than my last visit (one page at most). */
export function NotificationsMenuLabel() {
  const [fresh, setFresh] = useState(0);
  useEffect(() => {
    const count = async () => {
      const [page, key] = await Promise.all([api<Page<Notification>>('GET', '/me/notifications?limit=50'), seenKey()]);
      const seen = localStorage.getItem(key) ?? '';
      setFresh(page.items.filter((n) => n.at > seen).length);
    };
    const recount = () => void count().catch(() => undefined);
    recount();
    window.addEventListener(SEEN_EVENT, recount);
    return () => window.removeEventListener(SEEN_EVENT, recount);
  }, []);
  return (
    <Space size={6}>
      通知
      {fresh > 0 && <Badge count={fresh} size="small" overflowCount={49} aria-label={`${fresh} 条新通知`} />}
    </Space>
  );
}

// ---- the page ------------------------------------------------------------------------------------

/** A paged list: first page on mount, 加载更多 for the next. */
function usePaged<T>(path: string) {
  const [items, setItems] = useState<T[]>();
  const [cursor, setCursor] = useState<string>();
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState<number>();
  const [loadingMore, setLoadingMore] = useState(false);
  const fetchPage = (from?: string) => api<Page<T>>('GET', `${path}${path.includes('?') ? '&' : '?'}limit=20${from ? `&cursor=${encodeURIComponent(from)}` : ''}`);
  const failed = (err: unknown) => {
    setStatus(err instanceof ApiError ? err.status : undefined);
    setError(err instanceof ApiError ? err.message : '读取失败，请稍后再试');
  };
  useEffect(() => {
    let live = true;
    fetchPage().then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setCursor(page.cursor);
      },
      (err: unknown) => live && failed(err),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path]);
  const more = async () => {
    setLoadingMore(true);
    try {
      const page = await fetchPage(cursor);
      setItems((prev) => [...(prev ?? []), ...page.items]);
      setCursor(page.cursor);
    } catch (err) {
      failed(err);
    } finally {
      setLoadingMore(false);
    }
  };
  return { items, cursor, error, status, loadingMore, more };
}

function PagedList<T>({ list, empty, render }: { list: ReturnType<typeof usePaged<T>>; empty: string; render: (item: T) => ReactNode }) {
  if (!list.items && !list.error) {
    return (
      <Spin description="正在加载…">
        <div style={{ height: 80 }} />
      </Spin>
    );
  }
  return (
    <>
      {list.error && <Alert type="error" showIcon title={list.error} style={{ marginBottom: 12 }} />}
      <div className="box-list">
        {(list.items ?? []).length === 0 && !list.error && <Empty description={empty} style={{ padding: 24 }} />}
        {(list.items ?? []).map(render)}
        {list.cursor && (
          <div style={{ textAlign: 'center', padding: 12 }}>
            <Button onClick={() => void list.more()} loading={list.loadingMore}>
              加载更多
            </Button>
          </div>
        )}
      </div>
    </>
  );
}

function NotificationRow({ n }: { n: Notification }) {
  return (
    <div className="box-item" data-testid="notification" data-doc={n.docId}>
      <Space orientation="vertical" size={4} style={{ width: '100%' }}>
        <Space size={[6, 4]} wrap>
          <Tag color={KIND_COLORS[n.kind]}>{n.kind}</Tag>
          <Link to={`/documents/${n.docId}`} className="list-title">
            {n.title || '（无标题）'}
          </Link>
        </Space>
        <Space size={[6, 4]} wrap>
          {n.secrecy && n.secrecy !== '非密' && <Tag color="purple">{n.secrecy}</Tag>}
          {n.stepName && <Tag>{n.stepName}</Tag>}
          {n.registerNumber && <Typography.Text type="secondary">{n.registerNumber}</Typography.Text>}
        </Space>
        {n.note && <Typography.Text>{n.note}</Typography.Text>}
        {n.holder && <Typography.Text type="secondary">现由 {n.holder} 办理</Typography.Text>}
        <Typography.Text type="secondary">
          {shortDateTime(n.at)}
          {/* A person's name (催办 by 王芳); the system's own notices need none. */}
          {n.fromName && !n.from?.startsWith('system:') ? ` · ${n.fromName}` : ''}
          {n.dueAt ? ` · 办理期限 ${shortDateTime(n.dueAt)}` : ''}
        </Typography.Text>
      </Space>
    </div>
  );
}

/** The mail's text with its one link clickable. */
function MailText({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/\S+)/);
  return (
    <Typography.Paragraph style={{ marginBottom: 0, wordBreak: 'break-all' }}>
      {parts.map((p, i) => (i % 2 === 1 ? <Typography.Link key={i} href={p}>{p}</Typography.Link> : p))}
    </Typography.Paragraph>
  );
}

function MailRow({ m }: { m: FiledMail }) {
  return (
    <div className="box-item" data-testid="outbox-mail">
      <Space orientation="vertical" size={4} style={{ width: '100%' }}>
        <Typography.Text strong>{m.subject}</Typography.Text>
        <Typography.Text type="secondary" style={{ wordBreak: 'break-all' }}>
          {shortDateTime(m.filedAt)} · 发件人 {m.from} · 收件人 {m.to.join('、')}
        </Typography.Text>
        <MailText text={m.text} />
      </Space>
    </div>
  );
}

export function NotificationsPage() {
  const notes = usePaged<Notification>('/me/notifications');
  const outbox = usePaged<FiledMail>('/local-outbox');
  const newest = notes.items?.[0]?.at;
  useEffect(() => {
    void markSeen(newest);
  }, [newest]);
  // The cloud has no local outbox (its API answers 404): the tab is local mode's alone.
  const localMode = outbox.status !== 404;
  return (
    <div data-testid="notifications-page">
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        通知
      </Typography.Title>
      <Tabs
        items={[
          { key: 'mine', label: '我的通知', children: <PagedList list={notes} empty="没有通知" render={(n) => <NotificationRow key={`${n.at}${n.id}`} n={n} />} /> },
          ...(localMode
            ? [
                {
                  key: 'outbox',
                  label: '本地发件箱',
                  children: (
                    <>
                      <Alert type="info" showIcon title="本地模式不发送邮件：下面是系统本应发给您的邮件，已存入本机的本地发件箱。" style={{ marginBottom: 12 }} />
                      <PagedList list={outbox} empty="本地发件箱中没有发给您的邮件" render={(m) => <MailRow key={m.id} m={m} />} />
                    </>
                  ),
                },
              ]
            : []),
        ]}
      />
    </div>
  );
}
