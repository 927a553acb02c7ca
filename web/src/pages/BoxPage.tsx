/**
 * The boxes: 待办 (overdue first, then by due date — the API's order, kept), 待阅, 已办, 在办跟踪.
 * A list rather than a table: it wraps on a phone instead of scrolling sideways.
 */
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Empty, Space, Spin, Tag, Typography } from 'antd';
import { api, ApiError, type BoxPage as Page, type TaskItem, type TrackingItem } from '../api';
import { isOverdue, shortDateTime, urgencyColor } from '../format';

export type Box = 'todo' | 'toread' | 'done' | 'tracking';
export const BOXES: { box: Box; name: string; empty: string }[] = [
  { box: 'todo', name: '待办', empty: '没有待办事项' },
  { box: 'toread', name: '待阅', empty: '没有待阅文件' },
  { box: 'done', name: '已办', empty: '还没有办理过的文件' },
  { box: 'tracking', name: '在办跟踪', empty: '没有在办的文件' },
];

type Item = TaskItem | TrackingItem;

export function BoxPage({ box }: { box: Box }) {
  const meta = BOXES.find((b) => b.box === box)!;
  const [items, setItems] = useState<Item[]>();
  const [cursor, setCursor] = useState<string>();
  const [error, setError] = useState<string>();
  const [loadingMore, setLoadingMore] = useState(false);

  const load = async (from?: string) => {
    const page = await api<Page<Item>>('GET', `/documents?box=${box}${from ? `&cursor=${encodeURIComponent(from)}` : ''}`);
    return page;
  };

  useEffect(() => {
    let live = true;
    setItems(undefined);
    setError(undefined);
    load().then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setCursor(page.cursor);
      },
      (err: unknown) => live && setError(err instanceof ApiError ? err.message : '读取失败，请稍后再试'),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [box]);

  const more = async () => {
    setLoadingMore(true);
    try {
      const page = await load(cursor);
      setItems((prev) => [...(prev ?? []), ...page.items]);
      setCursor(page.cursor);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '读取失败，请稍后再试');
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <div data-testid={`box-${box}`}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {meta.name}
      </Typography.Title>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      {!items && !error ? (
        <Spin description="正在加载…">
          <div style={{ height: 80 }} />
        </Spin>
      ) : (
        // Plain rows, not antd's List (deprecated in antd 6; its successor Listy is a virtual list).
        <div className="box-list">
          {(items ?? []).length === 0 && <Empty description={meta.empty} style={{ padding: 24 }} />}
          {(items ?? []).map((item) => (
            <BoxItem key={'taskId' in item ? item.taskId : item.docId} box={box} item={item} />
          ))}
          {cursor && (
            <div style={{ textAlign: 'center', padding: 12 }}>
              <Button onClick={() => void more()} loading={loadingMore}>
                加载更多
              </Button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function BoxItem({ box, item }: { box: Box; item: Item }) {
  const task = 'taskId' in item ? item : undefined;
  const href = task && box === 'todo' ? `/documents/${item.docId}?task=${task.taskId}` : `/documents/${item.docId}`;
  const tracking = 'currentSteps' in item ? item : undefined;
  const overdue = box === 'todo' && task ? isOverdue(task.dueAt, task.overdue) : false;
  return (
    <div className="box-item" data-testid="box-item" data-doc={item.docId}>
      <Space orientation="vertical" size={4} style={{ width: '100%' }}>
        <Link to={href} className="list-title">
          {item.title || '（无标题）'}
        </Link>
        <Space size={[6, 4]} wrap>
          {overdue && <Tag color="red">已逾期</Tag>}
          {item.urgency && item.urgency !== '平件' && <Tag color={urgencyColor(item.urgency)}>{item.urgency}</Tag>}
          {item.secrecy && item.secrecy !== '非密' && <Tag color="purple">{item.secrecy}</Tag>}
          {task && <Tag>{task.stepName}</Tag>}
          {item.registerNumber && <Typography.Text type="secondary">{item.registerNumber}</Typography.Text>}
        </Space>
        {task && box === 'todo' && task.dueAt && (
          <Typography.Text type={overdue ? 'danger' : item.urgency === '特急' || item.urgency === '加急' ? 'warning' : 'secondary'}>
            办理期限 {shortDateTime(task.dueAt)}
          </Typography.Text>
        )}
        {task && box === 'done' && task.decidedAt && <Typography.Text type="secondary">办理于 {shortDateTime(task.decidedAt)}</Typography.Text>}
        {tracking?.currentSteps?.map((s) => (
          <Typography.Text key={s.taskId} type={s.overdue ? 'danger' : 'secondary'}>
            当前：{s.stepName}
            {s.holder ? `（${s.holder}）` : ''}
            {s.dueAt ? `，期限 ${shortDateTime(s.dueAt)}` : ''}
            {s.overdue ? '，已逾期' : ''}
          </Typography.Text>
        ))}
        {tracking && !tracking.currentSteps?.length && <Typography.Text type="secondary">{tracking.status === 'filed' ? '已归档' : '办理中'}</Typography.Text>}
      </Space>
    </div>
  );
}
