/**
 * The scanned original in the page: a PDF rendered page by page with pdf.js (loaded on first use),
 * an image as an image, both with 缩小 / 放大 / 适合宽度. The scan is fetched once through its
 * short-lived signed address (GET /documents/{docId}/scan) and kept as a blob, so paging and
 * 下载原件 keep working after that address expires. At 适合宽度 the page is as wide as the box; zoomed
 * in, the box scrolls inside itself and the page around it never scrolls sideways. FileViewer is
 * the same viewer for any file fetched as bytes (a draft's GB/T 9704 preview).
 */
import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Collapse, Space, Spin, Typography } from 'antd';
import { ColumnWidthOutlined, DownloadOutlined, LeftOutlined, RightOutlined, ZoomInOutlined, ZoomOutOutlined } from '@ant-design/icons';
import { api, ApiError } from '../api';
import type { PDFDocumentProxy } from './pdf-loader';
import './ScanViewer.css';

type Loaded =
  | { kind: 'loading' }
  | { kind: 'error'; message: string; blobUrl?: string }
  | { kind: 'pdf'; pdf: PDFDocumentProxy; blobUrl: string }
  | { kind: 'image'; blobUrl: string }
  | { kind: 'other'; blobUrl: string; contentType: string };

interface Props {
  docId: string;
  fileName?: string;
  /** The box's height; the page scrolls inside it. */
  maxHeight?: string;
  /** The PDF's page count once known (the desk fills 页数 with it). */
  onPageCount?: (pages: number) => void;
}

/** A file's bytes and type, fetched once per `loadKey`. */
export type FileSource = () => Promise<{ bytes: Uint8Array<ArrayBuffer>; contentType: string }>;

interface ViewerProps {
  /** Fetches the file; called again whenever `loadKey` changes. */
  load: FileSource;
  loadKey: string;
  /** What the file is called on the buttons and messages: 原件, 预览 … */
  noun?: string;
  fileName?: string;
  /** The box's height; the page scrolls inside it. */
  maxHeight?: string;
  /** The PDF's page count once known (the desk fills 页数 with it). */
  onPageCount?: (pages: number) => void;
}

/** A failure worth telling the reader as it is (the stored file could not be read). */
class ScanError extends Error {}

const ZOOM_STEP = 1.25;
const MIN_ZOOM = 0.5;
const MAX_ZOOM = 4;

/** The scan of a document, through its short-lived signed address. */
export function ScanViewer({ docId, ...props }: Props) {
  const load: FileSource = async () => {
    const link = await api<{ url: string; contentType?: string }>('GET', `/documents/${encodeURIComponent(docId)}/scan`);
    const res = await fetch(link.url);
    if (!res.ok) throw new ScanError(`原件读取失败（${res.status}），请刷新后再试`);
    return { bytes: new Uint8Array(await res.arrayBuffer()), contentType: link.contentType ?? res.headers.get('content-type') ?? '' };
  };
  return <FileViewer load={load} loadKey={docId} {...props} />;
}

/** A PDF or an image shown in the page (the scan viewer, a draft's preview). */
export function FileViewer({ load, loadKey, noun = '原件', fileName, maxHeight = '75vh', onPageCount }: ViewerProps) {
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [page, setPage] = useState(1);
  // Relative to 适合宽度: 1 is as wide as the box.
  const [zoom, setZoom] = useState(1);
  const [box, setBox] = useState<HTMLDivElement | null>(null);
  const width = useBoxWidth(box);
  const pageCountCallback = useRef(onPageCount);
  pageCountCallback.current = onPageCount;
  // The loader is a new function each render; `loadKey` says when the file is another.
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let gone = false;
    let release = () => undefined as void;
    setLoaded({ kind: 'loading' });
    setPage(1);
    setZoom(1);
    void (async () => {
      try {
        const { bytes, contentType } = await loadRef.current();
        const blobUrl = URL.createObjectURL(new Blob([bytes], { type: contentType }));
        let pdf: PDFDocumentProxy | undefined;
        release = () => {
          URL.revokeObjectURL(blobUrl);
          void pdf?.destroy();
        };
        if (gone) return release();
        if (contentType === 'application/pdf') {
          const { openPdf } = await import('./pdf-loader');
          try {
            // pdf.js may take the bytes over (transfer them to its worker): the blob has its own copy.
            pdf = await openPdf(bytes);
          } catch {
            // A PDF pdf.js cannot read may still open in another reader: it stays downloadable.
            if (gone) return release();
            return setLoaded({ kind: 'error', message: `${noun}无法在页面中显示，请下载${noun}查看`, blobUrl });
          }
          if (gone) return release();
          pageCountCallback.current?.(pdf.numPages);
          setLoaded({ kind: 'pdf', pdf, blobUrl });
        } else if (contentType === 'image/jpeg' || contentType === 'image/png') {
          setLoaded({ kind: 'image', blobUrl });
        } else {
          setLoaded({ kind: 'other', blobUrl, contentType });
        }
      } catch (err) {
        if (!gone) setLoaded({ kind: 'error', message: err instanceof ApiError || err instanceof ScanError ? err.message : `${noun}无法显示：文件读取或解析失败，请刷新后再试` });
      }
    })();
    return () => {
      gone = true;
      release();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loadKey]);

  const pages = loaded.kind === 'pdf' ? loaded.pdf.numPages : 1;
  const download = loaded.kind === 'loading' ? undefined : loaded.blobUrl;
  const zoomBy = (factor: number) => setZoom((z) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z * factor)));

  return (
    <div className="scan-viewer" data-testid="scan-viewer">
      <Space size={[6, 6]} wrap className="scan-toolbar">
        {loaded.kind === 'pdf' && (
          <>
            <Button icon={<LeftOutlined />} disabled={page <= 1} onClick={() => setPage((p) => Math.max(1, p - 1))}>
              上一页
            </Button>
            <Typography.Text data-testid="scan-page" style={{ whiteSpace: 'nowrap' }}>
              第 {page} / {pages} 页
            </Typography.Text>
            <Button icon={<RightOutlined />} iconPlacement="end" disabled={page >= pages} onClick={() => setPage((p) => Math.min(pages, p + 1))}>
              下一页
            </Button>
          </>
        )}
        {(loaded.kind === 'pdf' || loaded.kind === 'image') && (
          <>
            <Button icon={<ZoomOutOutlined />} disabled={zoom <= MIN_ZOOM} onClick={() => zoomBy(1 / ZOOM_STEP)}>
              缩小
            </Button>
            <Button icon={<ZoomInOutlined />} disabled={zoom >= MAX_ZOOM} onClick={() => zoomBy(ZOOM_STEP)}>
              放大
            </Button>
            <Button icon={<ColumnWidthOutlined />} disabled={zoom === 1} onClick={() => setZoom(1)}>
              适合宽度
            </Button>
          </>
        )}
        {download && (
          <a href={download} download={fileName ?? noun} data-testid="scan-download">
            <DownloadOutlined /> 下载{noun}
          </a>
        )}
      </Space>
      {loaded.kind === 'error' && <Alert type="warning" showIcon title={loaded.message} />}
      {loaded.kind === 'other' && (
        <Alert type="info" showIcon title={`浏览器无法直接显示此格式的${noun}（${loaded.contentType === 'image/tiff' ? 'TIFF 图片' : loaded.contentType || '未知格式'}），请下载${noun}查看`} />
      )}
      {(loaded.kind === 'loading' || loaded.kind === 'pdf' || loaded.kind === 'image') && (
        <div ref={setBox} className="scan-box" style={{ maxHeight }} data-testid="scan-box">
          {loaded.kind === 'loading' && (
            <Spin description={`正在加载${noun}…`}>
              <div style={{ height: 160 }} />
            </Spin>
          )}
          {loaded.kind === 'pdf' && width > 0 && <PdfPage pdf={loaded.pdf} page={page} cssWidth={width * zoom} noun={noun} />}
          {loaded.kind === 'image' && width > 0 && (
            <img src={loaded.blobUrl} alt={fileName ?? noun} data-testid="scan-image" style={{ width: width * zoom, height: 'auto' }} />
          )}
        </div>
      )}
    </div>
  );
}

/**
 * The viewer in its own card titled 原件; on a phone a panel that folds away (open at first), so
 * the form under it is a thumb's flick away.
 */
export function ScanPanel({ phone, ...props }: Props & { phone: boolean }) {
  const title = <span>原件{props.fileName ? <Typography.Text type="secondary" style={{ fontWeight: 'normal', marginInlineStart: 8, wordBreak: 'break-all' }}>{props.fileName}</Typography.Text> : null}</span>;
  if (!phone) {
    return (
      <Card title={title} size="small" data-testid="scan-panel">
        <ScanViewer {...props} />
      </Card>
    );
  }
  return (
    <Collapse
      defaultActiveKey={['scan']}
      data-testid="scan-panel"
      style={{ background: '#fff' }}
      items={[{ key: 'scan', label: title, styles: { body: { padding: 8 } }, children: <ScanViewer maxHeight="70vh" {...props} /> }]}
    />
  );
}

/** One page drawn at the given CSS width, sharp on high-density screens. */
function PdfPage({ pdf, page, cssWidth, noun }: { pdf: PDFDocumentProxy; page: number; cssWidth: number; noun: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let task: { cancel(): void; promise: Promise<void> } | undefined;
    let gone = false;
    setFailed(false);
    void (async () => {
      try {
        const [proxy, { RenderingCancelledException }] = await Promise.all([pdf.getPage(page), import('./pdf-loader')]);
        if (gone || !canvas.current) return;
        const viewport = proxy.getViewport({ scale: cssWidth / proxy.getViewport({ scale: 1 }).width });
        const ratio = window.devicePixelRatio || 1;
        const c = canvas.current;
        c.width = Math.floor(viewport.width * ratio);
        c.height = Math.floor(viewport.height * ratio);
        c.style.width = `${Math.floor(viewport.width)}px`;
        c.style.height = `${Math.floor(viewport.height)}px`;
        task = proxy.render({ canvas: c, viewport, transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0] });
        await task.promise.catch((err: unknown) => {
          if (!(err instanceof RenderingCancelledException)) throw err;
        });
      } catch {
        if (!gone) setFailed(true);
      }
    })();
    return () => {
      gone = true;
      task?.cancel();
    };
  }, [pdf, page, cssWidth]);

  if (failed) return <Alert type="warning" showIcon title={`第 ${page} 页无法显示，请下载${noun}查看`} />;
  return <canvas ref={canvas} className="scan-canvas" data-testid="scan-canvas" aria-label={`${noun}第 ${page} 页`} />;
}

/** The box's inner width, followed as the window or the layout changes. */
function useBoxWidth(box: HTMLDivElement | null): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!box) return;
    const measure = () => {
      const style = getComputedStyle(box);
      // Whole pixels, and only real changes: a scroll bar appearing must not start a render loop.
      const inner = Math.floor(box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
      setWidth((w) => (Math.abs(w - inner) > 1 ? inner : w));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, [box]);
  return width;
}
