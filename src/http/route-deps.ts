import type { Credentials } from '../access/credentials.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { ChannelRegistry } from '../channels/registry.ts';
import type { Clock } from '../clock.ts';
import type { HookService } from '../hooks/hook-service.ts';
import type { HookSettingsCodec } from '../hooks/hook-settings.ts';
import type { EventIngest } from '../ingest/event-ingest.ts';
import type { Metrics } from '../metrics.ts';
import type { PreferenceService } from '../preferences/preference-service.ts';
import type { UnsubscribeTokens } from '../preferences/unsubscribe-token.ts';
import type { PushTargetService } from '../push/push-target-service.ts';
import type { Store } from '../store/store.ts';
import type { InboxReadNews } from '../stream/inbox-read-news.ts';
import type { StreamHub } from '../stream/stream-hub.ts';
import type { StreamTokens } from '../stream/stream-token.ts';
import { ClarionError } from '../errors.ts';

/** What route plugins are given: the parts they call, nothing they could wire themselves. */
export interface RouteDeps {
  readonly store: Store;
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly ingest: EventIngest;
  readonly hooks: HookService;
  readonly hookSettings: HookSettingsCodec;
  /** The channels of this process: "send a test event" goes through them, outside the queue. */
  readonly channels: ChannelRegistry;
  readonly credentials: Credentials;
  readonly preferences: PreferenceService;
  /** Checks the signed one-click unsubscribe links of e-mails (the channel signs them). */
  readonly unsubscribeTokens: UnsubscribeTokens;
  /** Members' iOS devices and Web Push subscriptions. */
  readonly pushTargets: PushTargetService;
  /** The VAPID public key pages subscribe with (base64url). */
  readonly vapidPublicKey: string;
  /** Mark the session cookie Secure (the public URL is https). */
  readonly secureCookies: boolean;
  readonly metrics: Metrics;
  /** Resumes the workers after a re-send put deliveries back in the queue. */
  readonly onDeliveriesQueued: () => void;
  /** Live event streams of this process. */
  readonly streams: StreamHub;
  /** Tells the member's open inbox streams (on every process) that notifications were read. */
  readonly inboxReads: InboxReadNews;
  readonly streamTokens: StreamTokens;
  /** False while starting or shutting down (readiness). */
  readonly isReady: () => boolean;
}

/** Throws the 404 every organization-scoped route answers for an unknown organization. */
export async function requireOrganization(store: Store, id: string): Promise<void> {
  if (!(await store.organizations.get(id))) throw new ClarionError('CLARION_ERR_ORGANIZATION_NOT_FOUND', id);
}
