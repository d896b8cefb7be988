import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.ts';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | null;
  readonly loading: boolean;
  /** Loads again (after a change made elsewhere). */
  reload(): void;
  /** Replaces the data with an answer the page already has (a PUT answers the new state). */
  set(data: T): void;
}

/** GETs `path` (again whenever it changes); `null` waits. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setLoading(true);
    api<T>('GET', path).then(
      (answer) => {
        if (!current) return;
        setData(answer);
        setError(null);
        setLoading(false);
      },
      (failure: Error) => {
        if (!current) return;
        setError(failure.message);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [path, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload, set: setData };
}
