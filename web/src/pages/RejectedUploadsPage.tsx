/**
 * 拒收扫描件: uploads the intake set aside (not a PDF, a damaged file, a page of HTML …), newest
 * first, with the reason in Chinese and where the file is kept, so the clerk can fetch it, fix
 * it and scan again. Office roles only, like the registers.
 */
import { useSearchParams } from 'react-router-dom';
import { Alert, Result, Select, Table, Typography } from 'antd';
import dayjs from 'dayjs';
import { api } from '../api';
import { shortDateTime } from '../format';
import { Pager, useCursorPages } from '../components/CursorPages';
import './registers.css';

interface RejectedUpload {
  objectKey: string;
  rejectedKey: string;
  bucket: string;
  size: number;
  reason: string;
  rejectedAt: string;
  uploadedBy?: string;
  fileName?: string;
}

interface RejectedPage {
  items: RejectedUpload[];
  cursor?: string;
}

/** 1.2 MB, 35 KB: sizes as an office reads them. */
const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} 字节`);

export function RejectedUploadsPage() {
  const [params, setParams] = useSearchParams();
  const thisYear = dayjs().year();
  const year = params.get('year') ?? String(thisYear);
  const pages = useCursorPages<RejectedPage>(year, (cursor) => api<RejectedPage>('GET', `/rejected-uploads?year=${year}&limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));

  if (pages.error?.status === 403) return <Result status="403" title="无权查阅拒收扫描件" subTitle={pages.error.message} />;

  return (
    <div data-testid="rejected-uploads">
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        拒收扫描件
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        扫描仪送来的文件如不是完整的 PDF 或图片，系统不予收文，原文件另存备查。请按原因处理后重新扫描。
      </Typography.Paragraph>
      <div className="register-filters">
        <Select aria-label="年度" value={year} onChange={(v) => setParams({ year: v }, { replace: true })} options={Array.from({ length: 10 }, (_, i) => String(thisYear - i)).map((y) => ({ value: y, label: `${y}年` }))} style={{ width: 100 }} />
      </div>
      {pages.error && <Alert type="error" showIcon title={pages.error.message} style={{ marginBottom: 12 }} />}
      <div className="register-book">
        <div className="book-caption">
          拒收扫描件
          <span className="book-period">{year}年</span>
        </div>
        <Table<RejectedUpload>
          data-testid="rejected-table"
          rowKey={(r) => `${r.rejectedAt}#${r.objectKey}`}
          dataSource={pages.page?.items ?? []}
          loading={pages.loading}
          pagination={false}
          bordered
          size="small"
          scroll={{ x: 800 }}
          locale={{ emptyText: `${year}年没有拒收的扫描件` }}
          columns={[
            { key: 'name', title: '文件名', className: 'book-title', render: (_, r) => r.fileName ?? r.objectKey.split('/').pop() },
            { key: 'at', title: '拒收时间', className: 'book-nowrap', render: (_, r) => shortDateTime(r.rejectedAt) },
            { key: 'reason', title: '拒收原因', className: 'book-cell', render: (_, r) => r.reason },
            { key: 'size', title: '大小', className: 'book-nowrap', render: (_, r) => sizeText(r.size) },
            { key: 'kept', title: '保存位置', className: 'book-kept', render: (_, r) => <Typography.Text copyable={{ text: `s3://${r.bucket}/${r.rejectedKey}` }}>{`s3://${r.bucket}/${r.rejectedKey}`}</Typography.Text> },
          ]}
        />
      </div>
      <Pager pages={pages} shown={pages.page?.items.length ?? 0} />
    </div>
  );
}
