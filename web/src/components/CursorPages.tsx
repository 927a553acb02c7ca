/**
 * Paging over an API that gives a cursor for the next page and nothing else: 上一页 goes back
 * along the cursors already seen (a stack), 下一页 follows the answer's cursor. No page numbers
 * beyond the ones walked: the API cannot say how many there are.
 */
import { useEffect, useState } from 'react';
import { Button, Space, Typography } from 'antd';
import { ApiError } from '../api';

export interface CursorPage {
  cursor?: string;
}

/** Pages of `load(cursor)`, from the first again whenever `key` (the filters) changes. */
export function useCursorPages<P extends CursorPage>(key: string, load: (cursor?: string) => Promise<P>) {
  // The cursor each walked page was asked with (the last is the page shown), for the filters it was walked under.
  const [walk, setWalk] = useState<{ key: string; stack: (string | undefined)[] }>({ key, stack: [undefined] });
  const stack = walk.key === key ? walk.stack : [undefined];
  const [page, setPage] = useState<P>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);

  const at = stack[stack.length - 1];
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(undefined);
    load(at).then(
      (p) => {
        if (!live) return;
        setPage(p);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(err instanceof ApiError ? err : new ApiError(0, '读取失败，请稍后再试'));
        setPage(undefined);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // `load` is a new function each render; what it reads is in `key`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, at, stack.length]);

  return {
    page,
    error,
    loading,
    pageNumber: stack.length,
    previous: stack.length > 1 ? () => setWalk({ key, stack: stack.slice(0, -1) }) : undefined,
    next: page?.cursor && !loading ? () => setWalk({ key, stack: [...stack, page.cursor] }) : undefined,
  };
}

export function Pager({ pages, shown }: { pages: ReturnType<typeof useCursorPages>; shown: number }) {
  return (
    <Space className="pager" wrap>
      <Button onClick={pages.previous} disabled={!pages.previous || pages.loading}>
        上一页
      </Button>
      <Typography.Text type="secondary">
        第 {pages.pageNumber} 页，本页 {shown} 条
      </Typography.Text>
      <Button onClick={pages.next} disabled={!pages.next || pages.loading}>
        下一页
      </Button>
    </Space>
  );
}
