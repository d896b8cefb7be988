import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog/catalog.ts';
import type { EventType } from '../catalog/event-type.ts';
import { ClarionError } from '../errors.ts';

/** `POST /v1/events` body, as the platform sends it. */
export interface EventInput {
  id?: string | undefined;
  type: string;
  organization: string;
  application?: string | undefined;
  addon?: string | undefined;
  /** ISO 8601; the time of receipt when omitted. */
  occurred_at?: string | undefined;
  data: unknown;
}

/** An input that passed every check that needs no database. */
export interface CheckedEvent {
  readonly input: EventInput;
  readonly eventType: EventType;
  readonly data: Record<string, unknown>;
  readonly occurredAt: number;
  /** Hash of the request as sent, for idempotency; empty when the platform sent no id. */
  readonly bodyHash: string;
}

/** Keys the `raw` format adds to `data`; an event carrying them itself would be ambiguous. */
const RESERVED_DATA_KEYS = ['event_type', 'timestamp'] as const;

/** Checks the event against the catalog and the `raw` format rules (product.md section 2). */
export function checkEvent(input: EventInput, catalog: Catalog, now: number): CheckedEvent {
  const eventType = catalog.type(input.type);
  if (!eventType) throw new ClarionError('CLARION_ERR_EVENT_UNKNOWN_TYPE', input.type);
  const data = input.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ClarionError('CLARION_ERR_EVENT_DATA_NOT_OBJECT');
  }
  for (const key of RESERVED_DATA_KEYS) {
    if (Object.hasOwn(data, key)) throw new ClarionError('CLARION_ERR_EVENT_DATA_RESERVED_KEY', key);
  }
  const onResource = input.application !== undefined || input.addon !== undefined;
  if (onResource && !eventType.scopes.includes('application')) {
    throw new ClarionError(
      'CLARION_ERR_EVENT_SCOPE_MISMATCH',
      `${eventType.name} is an account event: send it without "application" or "addon"`,
    );
  }
  if (!onResource && !eventType.scopes.includes('account')) {
    throw new ClarionError(
      'CLARION_ERR_EVENT_SCOPE_MISMATCH',
      `${eventType.name} is an application event: say which with "application" (or "addon")`,
    );
  }
  let occurredAt = now;
  if (input.occurred_at !== undefined) {
    occurredAt = Date.parse(input.occurred_at);
    if (Number.isNaN(occurredAt)) {
      throw new ClarionError(
        'CLARION_ERR_REQUEST_INVALID',
        `"occurred_at" must be an ISO 8601 date-time, not "${input.occurred_at}"`,
      );
    }
  }
  // Only a platform-chosen id can come back; an id Clarion generates is new every time, so its
  // body is never compared and not worth hashing.
  const bodyHash = input.id === undefined ? '' : hashBody(input);
  return { input, eventType, data: data as Record<string, unknown>, occurredAt, bodyHash };
}

/** Hash of the request as sent (not as completed with defaults), so a replay hashes the same. */
function hashBody(input: EventInput): string {
  const { id: _id, ...body } = input;
  return createHash('sha256').update(canonicalJson(body)).digest('base64url');
}

/** JSON with object keys sorted, so equal bodies hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
