import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, type Page } from './api.ts';

export interface PagedList<T> {
  /** Every item loaded so far, pages in order. */
  readonly items: T[];
  readonly error: string | null;
  readonly loading: boolean;
  /** False once the last page is in. */
  readonly hasMore: boolean;
  readonly loadMore: () => void;
  /** Starts again from the first page (after a change made elsewhere). */
  readonly reload: () => void;
}

/**
 * A paginated listing (`{data, next_cursor}`), first page at once and the next on request. A new
 * `path` (other filters) starts over; an answer for an older path is dropped.
 */
export function usePagedApi<T>(path: string | null): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [generation, setGeneration] = useState(0);
  // Bumped on every start-over: an answer of an earlier round is dropped.
  const round = useRef(0);

  const fetchPage = useCallback(
    (after: string | null) => {
      if (path === null) return;
      const mine = round.current;
      const isCurrent = () => round.current === mine;
      setLoading(true);
      const separator = path.includes('?') ? '&' : '?';
      const url = after === null ? path : `${path}${separator}cursor=${encodeURIComponent(after)}`;
      api<Page<T>>('GET', url).then(
        (page) => {
          if (!isCurrent()) return;
          setItems((loaded) => (after === null ? page.data : [...loaded, ...page.data]));
          setCursor(page.next_cursor);
          setError(null);
          setLoading(false);
        },
        (failure: Error) => {
          if (!isCurrent()) return;
          setError(failure.message);
          setLoading(false);
        },
      );
    },
    [path],
  );

  useEffect(() => {
    round.current++;
    setItems([]);
    setCursor(null);
    fetchPage(null);
  }, [fetchPage, generation]);

  return {
    items,
    error,
    loading,
    hasMore: cursor !== null,
    loadMore: () => fetchPage(cursor),
    reload: () => setGeneration((g) => g + 1),
  };
}
