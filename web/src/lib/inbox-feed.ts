// The signed-in member's inbox, live: the unread count and the recent items, kept current by the
// inbox stream (GET /v1/me/notifications/stream, docs/streams.md) over EventSource with the
// session cookie. One feed per page, shared by the bell, the inbox page and browser notifications.
import { api, type Page } from './api.ts';

/** One inbox item, as GET /v1/me/notifications and the inbox stream give it. */
export interface InboxItem {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly organization: string;
  readonly application: string | null;
  /** Absent on stream messages; the listing has it. */
  readonly occurred_at?: string;
  readonly read: boolean;
  /** What a browser notification of the item shows: the `browser` channel's push title, body and tag. */
  readonly notification: { readonly title: string; readonly body: string; readonly tag: string };
  readonly data: { readonly timestamp?: number } & Record<string, unknown>;
}

export interface InboxState {
  /** Null until the first listing answered. */
  readonly unread: number | null;
  /** The newest items, newest first (at most RECENT). */
  readonly recent: readonly InboxItem[];
  /** False while the stream is down (it reconnects by itself). */
  readonly live: boolean;
  /** Why the listing could not be read, if it could not. */
  readonly error: string | null;
}

/** How many items the bell's panel shows. */
export const RECENT = 8;

/** Items marked read on any device: one (`seq`), or all up to `through` (all when null). */
export type ReadChange =
  { readonly seq: number; readonly unread: number } | { readonly through: number | null; readonly unread: number };

/** Whether `change` marks the item `seq` read. */
export function marksRead(change: ReadChange, seq: number): boolean {
  return 'seq' in change ? change.seq === seq : change.through === null || seq <= change.through;
}

/**
 * The unread count stays exact while items arrive during a listing: the listing is a snapshot up
 * to its newest seq, so the count is the listing's plus the unread stream items above that seq,
 * and a stream item is counted only when it is above the snapshot.
 */
export class InboxFeed {
  private state: InboxState = { unread: null, recent: [], live: false, error: null };
  private readonly items = new Map<number, InboxItem>();
  /** The newest seq the last listing covered: items at or below it are in its count. */
  private snapshotSeq = 0;
  private source: EventSource | null = null;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly arrivals = new Set<(item: InboxItem) => void>();
  private readonly reads = new Set<(change: ReadChange) => void>();

  get current(): InboxState {
    return this.state;
  }

  /** Called after every change of `current`; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called for each new unread item the stream brings (not for the listing's). */
  onArrival(listener: (item: InboxItem) => void): () => void {
    this.arrivals.add(listener);
    return () => this.arrivals.delete(listener);
  }

  /** Called whenever items are marked read, here or on another device. */
  onRead(listener: (change: ReadChange) => void): () => void {
    this.reads.add(listener);
    return () => this.reads.delete(listener);
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    clearTimeout(this.retry);
    this.source?.close();
    this.source = null;
  }

  /** Reads the listing again: after a reconnection, reads may have been missed. */
  async refresh(): Promise<void> {
    try {
      const page = await api<Page<InboxItem> & { unread: number }>('GET', `/v1/me/notifications?limit=${RECENT}`);
      const newest = page.data[0]?.seq ?? 0;
      for (const item of page.data) this.items.set(item.seq, item);
      const unseen = [...this.items.values()].filter((item) => item.seq > newest && !item.read).length;
      this.snapshotSeq = Math.max(this.snapshotSeq, newest);
      this.update({ unread: page.unread + unseen, error: null });
    } catch (error) {
      this.update({ error: (error as Error).message });
    }
  }

  /** Marks one item read on the server (every device hears it). */
  async markRead(seq: number): Promise<void> {
    const { unread } = await api<{ unread: number }>('POST', `/v1/me/notifications/${seq}/read`);
    this.applyRead({ seq, unread });
  }

  /** Marks read everything up to the newest item this page knows: nothing that arrived unseen since. */
  async markAllRead(): Promise<void> {
    const newest = Math.max(0, ...this.items.keys());
    const { unread } = await api<{ unread: number }>('POST', '/v1/me/notifications/read', { through: newest });
    this.applyRead({ through: newest, unread });
  }

  private connect(): void {
    const source = new EventSource('/v1/me/notifications/stream');
    this.source = source;
    // Each (re)connection: the stream resumes by itself (Last-Event-ID), the listing catches up on reads.
    source.addEventListener('open', () => {
      this.update({ live: true });
      void this.refresh();
    });
    source.addEventListener('event', (message) => this.arrive(parse<InboxItem>(message)));
    source.addEventListener('read', (message) => this.applyRead(parse<ReadChange>(message)));
    source.addEventListener('reset', () => void this.refresh());
    source.addEventListener('error', () => {
      this.update({ live: false });
      // EventSource retries by itself after a network error, not after an HTTP error (a 401 when
      // the session ended, a 503 while the server restarts): then open a new one a bit later.
      if (source.readyState === EventSource.CLOSED && this.source === source) {
        this.retry = setTimeout(() => this.connect(), 10_000);
      }
    });
  }

  private arrive(item: InboxItem): void {
    if (this.items.has(item.seq)) return;
    this.items.set(item.seq, item);
    if (!item.read && this.state.unread !== null && item.seq > this.snapshotSeq) {
      this.update({ unread: this.state.unread + 1 });
    } else this.update({});
    if (!item.read) for (const listener of this.arrivals) listener(item);
  }

  private applyRead(change: ReadChange): void {
    for (const item of this.items.values()) {
      if (!item.read && marksRead(change, item.seq)) this.items.set(item.seq, { ...item, read: true });
    }
    this.update({ unread: change.unread });
    for (const listener of this.reads) listener(change);
  }

  private update(change: Partial<InboxState>): void {
    // Only the newest items are kept: older ones are on the inbox page.
    const recent = [...this.items.values()].sort((a, b) => b.seq - a.seq);
    for (const old of recent.slice(RECENT * 4)) this.items.delete(old.seq);
    this.state = { ...this.state, ...change, recent: recent.slice(0, RECENT) };
    for (const listener of this.listeners) listener();
  }
}

/** A stream message's JSON (docs/streams.md says what each kind holds). */
function parse<T>(message: Event): T {
  return JSON.parse((message as MessageEvent<string>).data) as T;
}
