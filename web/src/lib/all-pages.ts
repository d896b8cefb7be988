import { useCallback } from 'preact/hooks';
import { api, type Page } from './api.ts';
import { useLoaded, type Loaded } from './use-api.ts';

/** Every item of a paged listing (`?limit=200`, following `next_cursor` to the end). */
export async function allPages<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const cursorPart: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page: Page<T> = await api<Page<T>>('GET', `${path}${separator}limit=200${cursorPart}`);
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return items;
}

export interface LoadedList<T> extends Loaded<T[]> {
  /**
   * Changes the list from its latest state: answers that arrive after others (two switches
   * flipped quickly) each apply to what the one before left, not to the list of their click.
   */
  readonly updateList: (change: (items: T[]) => T[]) => void;
}

/**
 * `useApi` for a paged listing: the whole list, however many pages it takes. A page that shows
 * "what is missing" (the deleted default hook) must see every item, not the first page.
 */
export function useAllPages<T>(path: string | null): LoadedList<T> {
  const loaded = useLoaded(path, (key) => allPages<T>(key));
  const { update } = loaded;
  const updateList = useCallback((change: (items: T[]) => T[]) => update((items) => change(items ?? [])), [update]);
  return { ...loaded, updateList };
}
