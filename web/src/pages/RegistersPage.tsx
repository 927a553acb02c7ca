/**
 * 登记簿: the clerk's registers as the paper book has them — the export's columns in the export's
 * order, cell for cell what the API prints (classified entries already redacted by the API) —
 * with filters by year, month, 办理状态 and 承办科室, cursor paging, and the book as Excel, CSV
 * or a PDF to print. The filters live in the address, so a filtered page can be bookmarked.
 */
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Alert, App, Button, Result, Select, Space, Table, Tag, Typography } from 'antd';
import { DownloadOutlined, PrinterOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { api, ApiError, download } from '../api';
import { Pager, useCursorPages } from '../components/CursorPages';
import './registers.css';

interface RegisterChoice {
  id: string;
  name: string;
  statuses: boolean;
  departments: boolean;
}

interface RegistersAnswer {
  items: RegisterChoice[];
  statuses: { id: string; name: string }[];
  departments: { code: string; name: string }[];
}

interface RegisterEntry {
  serial: number;
  docId?: string;
  status?: string;
  redacted?: boolean;
  cells: string[];
}

interface RegisterPage {
  name: string;
  columns: { header: string; kind?: 'date' }[];
  items: RegisterEntry[];
  cursor?: string;
}

/** Columns read as one token: a number or a date broken over two lines misreads. */
const NOWRAP = new Set(['收文编号', '编号', '序号', '密级', '份数']);
const BOOK_MIN_WIDTH = 960;
const PAGE_SIZES = [5, 10, 20, 50, 100];
const STATUS_COLORS: Record<string, string> = { open: 'blue', done: 'green', filed: 'default', returned: 'orange' };

/** 2026-11-24 as the console writes a day: 2026年11月24日. */
const dayText = (cell: string) => (/^\d{4}-\d{2}-\d{2}$/.test(cell) ? dayjs(cell).format('YYYY年M月D日') : cell);

/** Hands a file to the browser to save under its own name. */
function save(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: the download reads the object URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function RegistersPage() {
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const [choices, setChoices] = useState<RegistersAnswer>();
  const [refused, setRefused] = useState<ApiError>();
  const [exporting, setExporting] = useState<string>();
  const [exportError, setExportError] = useState<string>();

  useEffect(() => {
    api<RegistersAnswer>('GET', '/registers').then(setChoices, (err: unknown) => setRefused(err instanceof ApiError ? err : new ApiError(0, '读取失败，请稍后再试')));
  }, []);

  const thisYear = dayjs().year();
  const register = params.get('register') ?? 'incoming';
  const chosen = choices?.items.find((r) => r.id === register);
  // As the address has them: the API refuses, in Chinese, a filter this register has not.
  const filters = {
    year: params.get('year') ?? String(thisYear),
    month: params.get('month') ?? undefined,
    status: params.get('status') ?? undefined,
    department: params.get('department') ?? undefined,
  };
  const limit = params.get('limit') ?? '20';
  const query = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => e[1] !== undefined));
  const key = `${register}?${query}&limit=${limit}`;
  const pages = useCursorPages<RegisterPage>(key, (cursor) =>
    api<RegisterPage>('GET', `/registers/${encodeURIComponent(register)}?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
  );

  const set = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value === undefined || value === '') next.delete(name);
    else next.set(name, value);
    setParams(next, { replace: true });
  };

  const exportAs = async (format: 'xlsx' | 'csv' | 'pdf') => {
    // A tab opened now, in the click, is not a popup to block; the PDF goes into it when it comes.
    const tab = format === 'pdf' ? window.open('', '_blank') : null;
    setExporting(format);
    setExportError(undefined);
    try {
      const file = await download(`/registers/${encodeURIComponent(register)}/export?${query}&format=${format}`);
      if (format === 'pdf' && tab) tab.location.href = URL.createObjectURL(file.blob);
      else save(file.blob, file.fileName);
      if (format !== 'pdf') message.success(`已导出 ${file.fileName}`);
    } catch (err) {
      tab?.close();
      setExportError(err instanceof ApiError ? err.message : '导出失败，请稍后再试');
    } finally {
      setExporting(undefined);
    }
  };

  const error = refused ?? pages.error;
  if (error?.status === 403) return <Result status="403" title="无权查阅登记簿" subTitle={error.message} />;

  const page = pages.page;
  const columns = (page?.columns ?? []).map((c, i) => ({
    key: String(i),
    title: c.header,
    className: c.header === '标题' ? 'book-title' : c.kind === 'date' || NOWRAP.has(c.header) ? 'book-nowrap' : 'book-cell',
    render: (_: unknown, entry: RegisterEntry) => {
      const cell = entry.cells[i] ?? '';
      if (c.kind === 'date') return dayText(cell);
      // A title opens its document, unless the reader may see only that it is a 密件.
      if (c.header === '标题' && entry.docId && !entry.redacted) return <Link to={`/documents/${entry.docId}`}>{cell}</Link>;
      if (c.header === '办理结果' && !cell && entry.status) {
        const name = choices?.statuses.find((s) => s.id === entry.status)?.name ?? entry.status;
        return <Tag color={STATUS_COLORS[entry.status]}>{name}</Tag>;
      }
      return cell;
    },
  }));
  const period = `${filters.year}年${filters.month ? `${filters.month}月` : ''}`;
  const scope = [choices?.departments.find((d) => d.code === filters.department)?.name, choices?.statuses.find((s) => s.id === filters.status)?.name].filter(Boolean).join('·');

  return (
    <div data-testid="registers">
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        登记簿
      </Typography.Title>
      <div className="register-filters">
        <Select aria-label="登记簿" value={register} onChange={(v) => setParams(new URLSearchParams({ register: v, year: filters.year, limit }), { replace: true })} options={(choices?.items ?? [{ id: register, name: page?.name ?? '' }]).map((r) => ({ value: r.id, label: r.name }))} style={{ minWidth: 150 }} />
        <Select aria-label="年度" value={filters.year} onChange={(v) => set('year', v)} options={Array.from({ length: 10 }, (_, i) => String(thisYear - i)).map((y) => ({ value: y, label: `${y}年` }))} style={{ width: 100 }} />
        <Select aria-label="月份" virtual={false} value={filters.month ?? ''} onChange={(v) => set('month', v)} options={[{ value: '', label: '全年' }, ...Array.from({ length: 12 }, (_, i) => ({ value: String(i + 1), label: `${i + 1}月` }))]} style={{ width: 90 }} />
        {chosen?.statuses && (
          <Select aria-label="办理状态" value={filters.status ?? ''} onChange={(v) => set('status', v)} options={[{ value: '', label: '全部状态' }, ...(choices?.statuses ?? []).map((s) => ({ value: s.id, label: s.name }))]} style={{ width: 110 }} />
        )}
        {chosen?.departments && (
          <Select aria-label="承办科室" value={filters.department ?? ''} onChange={(v) => set('department', v)} options={[{ value: '', label: '全部科室' }, ...(choices?.departments ?? []).map((d) => ({ value: d.code, label: d.name }))]} style={{ minWidth: 140 }} />
        )}
        <Select aria-label="每页" value={limit} onChange={(v) => set('limit', v)} options={PAGE_SIZES.map((n) => ({ value: String(n), label: `每页 ${n} 条` }))} style={{ width: 120 }} />
      </div>
      <Space className="register-exports" wrap>
        <Button icon={<DownloadOutlined />} loading={exporting === 'xlsx'} onClick={() => void exportAs('xlsx')}>
          导出 Excel
        </Button>
        <Button icon={<DownloadOutlined />} loading={exporting === 'csv'} onClick={() => void exportAs('csv')}>
          导出 CSV
        </Button>
        <Button icon={<PrinterOutlined />} loading={exporting === 'pdf'} onClick={() => void exportAs('pdf')}>
          打印
        </Button>
      </Space>
      {exportError && <Alert type="error" showIcon title={exportError} data-testid="export-refusal" style={{ marginBottom: 12 }} />}
      {error && <Alert type="error" showIcon title={error.message} style={{ marginBottom: 12 }} />}
      <div className="register-book">
        <div className="book-caption">
          {chosen?.name ?? page?.name ?? '登记簿'}
          <span className="book-period">
            {period}
            {scope && `（${scope}）`}
          </span>
        </div>
        <Table<RegisterEntry>
          data-testid="register-table"
          rowKey={(e) => String(e.serial)}
          columns={columns}
          dataSource={page?.items ?? []}
          loading={pages.loading}
          pagination={false}
          bordered
          size="small"
          // As wide as the desk allows; narrower screens scroll the book in its own box.
          scroll={{ x: BOOK_MIN_WIDTH }}
          locale={{ emptyText: pages.next ? '本页没有符合条件的登记，请点“下一页”继续查找' : query.has('status') || query.has('department') ? '没有符合条件的登记' : '本期无登记' }}
        />
      </div>
      <Pager pages={pages} shown={page?.items.length ?? 0} />
    </div>
  );
}
