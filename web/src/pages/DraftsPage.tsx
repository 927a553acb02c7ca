/**
 * 拟稿: 我的拟稿 and 本科室拟稿 (GET /drafts?box=…), newest first, a page at a time, each with its
 * state as the API names it; 新建拟稿 opens the editor. The tab is kept in the address (?box=), so
 * 返回 from a draft comes back to it.
 */
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { Alert, Button, Empty, Space, Spin, Tabs, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../api';
import { Pager, useCursorPages } from '../components/CursorPages';
import { shortDateTime, urgencyColor } from '../format';
import { STATE_COLORS, type DraftListItem } from '../outgoing';

const TABS = [
  { key: 'mine', label: '我的拟稿', empty: '您还没有拟稿' },
  { key: 'department', label: '本科室拟稿', empty: '本科室还没有拟稿' },
];
const PAGE_SIZE = 20;

export function DraftsPage() {
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const box = search.get('box') === 'department' ? 'department' : 'mine';
  const pages = useCursorPages<{ items: DraftListItem[]; cursor?: string }>(box, (cursor) =>
    api('GET', `/drafts?box=${box}&limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
  );
  const items = pages.page?.items ?? [];

  return (
    <div data-testid="drafts-page">
      <div style={{ display: 'flex', alignItems: 'center', gap: 12, flexWrap: 'wrap', marginBottom: 8 }}>
        <Typography.Title level={4} style={{ margin: 0, flex: 1 }}>
          拟稿
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/drafts/new')} data-testid="new-draft">
          新建拟稿
        </Button>
      </div>
      <Tabs activeKey={box} onChange={(key) => setSearch(key === 'mine' ? {} : { box: key }, { replace: true })} items={TABS.map(({ key, label }) => ({ key, label }))} />
      {pages.error && <Alert type="error" showIcon title={pages.error.message} style={{ marginBottom: 12 }} />}
      {pages.loading && !pages.page ? (
        <Spin description="正在加载…">
          <div style={{ height: 80 }} />
        </Spin>
      ) : (
        <div className="box-list" data-testid="draft-list">
          {items.length === 0 && !pages.error && <Empty description={TABS.find((t) => t.key === box)!.empty} style={{ padding: 24 }} />}
          {items.map((d) => (
            <DraftRow key={d.draftId} item={d} showDrafter={box === 'department'} />
          ))}
        </div>
      )}
      {(pages.previous || pages.next) && (
        <div style={{ marginTop: 12 }}>
          <Pager pages={pages} shown={items.length} />
        </div>
      )}
    </div>
  );
}

function DraftRow({ item, showDrafter }: { item: DraftListItem; showDrafter: boolean }) {
  return (
    <div className="box-item" data-testid="draft-item" data-draft={item.draftId}>
      <Space orientation="vertical" size={4} style={{ width: '100%' }}>
        {/* A draft one is not cleared for cannot be opened: its row says only that it exists. */}
        {item.titleHidden ? (
          <Typography.Text type="secondary" className="list-title">
            {item.title}
          </Typography.Text>
        ) : (
          <Link to={`/drafts/${item.draftId}`} className="list-title">
            {item.title}
          </Link>
        )}
        <Space size={[6, 4]} wrap>
          <Tag color={STATE_COLORS[item.state]} data-testid="draft-state">
            {item.stateName}
          </Tag>
          <Tag>{item.docType}</Tag>
          {item.urgency !== '普通' && <Tag color={urgencyColor(item.urgency)}>{item.urgency}</Tag>}
          {item.secrecy !== '非密' && <Tag color="purple">{item.secrecy}</Tag>}
          {item.version > 0 && <Typography.Text type="secondary">第{item.version}版</Typography.Text>}
        </Space>
        <Typography.Text type="secondary">
          {showDrafter ? `${item.drafter.name} · ` : ''}
          更新于 {shortDateTime(item.updatedAt)}
        </Typography.Text>
      </Space>
    </div>
  );
}
