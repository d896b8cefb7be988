import type { TraceEntry } from './route-event.ts';

/** A skip entry as stored in routing_traces.skipped (short keys: it is written for every event). */
export interface StoredSkip {
  readonly h: string | null;
  readonly u: string | null;
  readonly a: string | null;
  readonly c: string;
  readonly r: string;
}

export function compactSkip(entry: TraceEntry): StoredSkip {
  return { h: entry.hookId, u: entry.userId, a: entry.address, c: entry.channel, r: entry.rule };
}

export function expandSkip(stored: StoredSkip): TraceEntry {
  return { hookId: stored.h, userId: stored.u, address: stored.a, channel: stored.c, decision: 'skip', rule: stored.r };
}
