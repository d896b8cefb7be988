import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.ts';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | null;
  readonly loading: boolean;
  /** Loads again (after a change made elsewhere). */
  readonly reload: () => void;
  /** Replaces the data with an answer the page already has (a PUT answers the new state). */
  readonly set: (data: T) => void;
  /** Changes the data from its latest state (answers arriving one after another each apply to the last). */
  readonly update: (change: (data: T | undefined) => T) => void;
}

/**
 * Runs `load` whenever `key` changes (null waits) and keeps its answer, its error and whether it
 * is loading. An answer that arrives after the key moved on is dropped.
 */
export function useLoaded<T>(key: string | null, load: (key: string) => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(key !== null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (key === null) return;
    let current = true;
    setLoading(true);
    load(key).then(
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
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const update = useCallback((change: (data: T | undefined) => T) => setData((previous) => change(previous)), []);
  return { data, error, loading, reload, set: setData, update };
}

/** GETs `path` (again whenever it changes); `null` waits. */
export function useApi<T>(path: string | null): Loaded<T> {
  return useLoaded(path, (key) => api<T>('GET', key));
}
