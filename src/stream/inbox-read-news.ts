import { randomUUID } from 'node:crypto';
import type { Wakeups } from '../store/wakeups.ts';
import type { StreamHub } from './stream-hub.ts';
import { readMessage, type InboxReadChange } from './stream-message.ts';

interface ReadNews {
  /** The process that announced it: NOTIFY reaches the sender too, which has published already. */
  readonly origin: string;
  readonly user: string;
  readonly change: InboxReadChange;
  readonly unread: number;
}

/**
 * Tells a member's open inbox streams that notifications were read, so every device shows the
 * same state at once: this process's streams directly, the others' through the store's
 * notifications (PostgreSQL NOTIFY). A lost notice costs nothing lasting: the list and the count
 * are read from the store whenever a page loads.
 */
export class InboxReadNews {
  private readonly origin = randomUUID();

  constructor(
    private readonly streams: StreamHub,
    private readonly wakeups: Wakeups,
  ) {}

  announce(user: string, change: InboxReadChange, unread: number): void {
    this.publish(user, change, unread);
    const news: ReadNews = { origin: this.origin, user, change, unread };
    this.wakeups.notify(JSON.stringify(news));
  }

  /** Publishes other processes' news here until the returned function is called. */
  listen(): Promise<() => Promise<void>> {
    return this.wakeups.listen((payload) => {
      // '' is "reconnected, anything may have changed": there is nothing to replay for reads.
      if (payload === '') return;
      const news = JSON.parse(payload) as ReadNews;
      if (news.origin !== this.origin) this.publish(news.user, news.change, news.unread);
    });
  }

  private publish(user: string, change: InboxReadChange, unread: number): void {
    this.streams.publish(`user:${user}`, readMessage(change, unread));
  }
}
