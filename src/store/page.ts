import { sql, type SelectQueryBuilder } from 'kysely';
import { ClarionError } from '../errors.ts';

/** One page of a listing; `next_cursor` is null on the last page. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/** Cursors are opaque to callers: the last id of the page, base64url-encoded. */
function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith('c:') || decoded.includes('\u0000'))
    throw new ClarionError('CLARION_ERR_REQUEST_INVALID_CURSOR', cursor);
  return decoded.slice(2);
}

/** Builds a page from `limit + 1` rows: the extra row only says there is a next page. */
function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => string): Page<T> {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return {
    data,
    next_cursor:
      rows.length > limit && last !== undefined ? Buffer.from(`c:${keyOf(last)}`).toString('base64url') : null,
  };
}

/**
 * Runs a keyset-paginated query: ordered by `column`, starting after the cursor's key, one row
 * more than the page so the page knows whether another follows.
 */
export async function fetchPage<DB, TB extends keyof DB, Row>(
  query: SelectQueryBuilder<DB, TB, Row>,
  page: PageRequest,
  order: {
    column: string;
    direction?: 'asc' | 'desc';
    keyOf: (row: Row) => string;
    /** Turns a cursor key back into the column's type (numbers for sequence numbers). */
    parseKey?: (key: string) => unknown;
  },
): Promise<Page<Row>> {
  const after = decodeCursor(page.cursor);
  const direction = order.direction ?? 'asc';
  const rows = await query
    .$if(after !== undefined, (qb) =>
      qb.where(sql.ref(order.column), direction === 'asc' ? '>' : '<', (order.parseKey ?? String)(after!)),
    )
    .orderBy(sql.ref(order.column), direction)
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, order.keyOf);
}
