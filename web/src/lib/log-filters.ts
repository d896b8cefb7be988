import { query } from './api.ts';

// The delivery log's filters live in the page's URL query, so a filtered view can be shared and
// survives a reload: `type`, `channel`, `hook`, `application`, `status`, and the time range as a
// preset (`range=1h|24h|7d|30d`, relative to when the page is opened) or as `since` and `until`
// (ISO times, a fixed window).

export const RANGE_PRESETS = [
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number]['id'];
const DEFAULT_PRESET: RangePreset = '24h';

export interface LogFilters {
  readonly type: string;
  readonly channel: string;
  readonly hook: string;
  readonly application: string;
  readonly status: string;
  /** A preset, or `custom` with `since` and `until`. */
  readonly range: RangePreset | 'custom';
  readonly since: string;
  readonly until: string;
}

/** The fields that select deliveries besides status and time, named as the API names them. */
export const SELECTORS = ['type', 'channel', 'hook', 'application'] as const;

export function filtersFromQuery(params: Record<string, string | undefined>): LogFilters {
  const since = params['since'] ?? '';
  const until = params['until'] ?? '';
  const preset = RANGE_PRESETS.find((p) => p.id === params['range'])?.id;
  const custom = since !== '' && until !== '' && !Number.isNaN(Date.parse(since)) && !Number.isNaN(Date.parse(until));
  return {
    type: params['type'] ?? '',
    channel: params['channel'] ?? '',
    hook: params['hook'] ?? '',
    application: params['application'] ?? '',
    status: params['status'] ?? '',
    range: custom ? 'custom' : (preset ?? DEFAULT_PRESET),
    since: custom ? since : '',
    until: custom ? until : '',
  };
}

/** The page URL's query for the filters (defaults left out). */
export function queryOfFilters(filters: LogFilters): string {
  const custom = filters.range === 'custom';
  return query({
    type: filters.type,
    channel: filters.channel,
    hook: filters.hook,
    application: filters.application,
    status: filters.status,
    range: custom || filters.range === DEFAULT_PRESET ? undefined : filters.range,
    since: custom ? filters.since : undefined,
    until: custom ? filters.until : undefined,
  });
}

export interface ResolvedRange {
  readonly since: string;
  readonly until: string;
  /** The charts' bucket: about 30 to 200 points whatever the span. */
  readonly bucket: 'minute' | 'hour' | 'day';
}

/** The range as two times: a preset ends `now`. */
export function resolveRange(filters: LogFilters, now: number): ResolvedRange {
  let since: number;
  let until: number;
  if (filters.range === 'custom') {
    since = Date.parse(filters.since);
    until = Date.parse(filters.until);
  } else {
    const preset = RANGE_PRESETS.find((p) => p.id === filters.range)!;
    until = now;
    since = now - preset.ms;
  }
  const span = until - since;
  const bucket = span <= 3 * 3_600_000 ? 'minute' : span <= 4 * 86_400_000 ? 'hour' : 'day';
  return { since: new Date(since).toISOString(), until: new Date(until).toISOString(), bucket };
}

/** The API's query for the filters within a resolved range (without paging). */
export function apiFilterQuery(filters: LogFilters, range: ResolvedRange): Record<string, string | undefined> {
  return {
    type: filters.type || undefined,
    channel: filters.channel || undefined,
    hook: filters.hook || undefined,
    application: filters.application || undefined,
    status: filters.status || undefined,
    since: range.since,
    until: range.until,
  };
}
