import { performance } from 'node:perf_hooks';
import type { Catalog } from '../catalog/catalog.ts';
import type { EventType } from '../catalog/event-type.ts';
import { isDeferral, type AttemptReport, type ChannelEvent, type ChannelMessage } from '../channels/channel.ts';
import type { ChannelRegistry } from '../channels/registry.ts';
import type { Clock } from '../clock.ts';
import { ClarionError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { HookRecord } from '../store/hook-repository.ts';
import type { Settlement } from '../store/delivery-queue.ts';
import type { Store } from '../store/store.ts';
import { matchingEntry } from './event-toggles.ts';
import type { HookSettingsCodec } from './hook-settings.ts';

/** Bound on a whole test send (every recipient of an e-mail hook included): the caller is waiting. */
export const TEST_SEND_TIMEOUT_MS = 15_000;
/**
 * How long a test send's deliveries stay leased beyond the send's own bound. Only a process that
 * died mid-send leaves them leased; then the queue takes them back and a worker sends them.
 */
const TEST_LEASE_MARGIN_MS = 60_000;
/** The routing reason a test send's deliveries show in the delivery log. */
export const TEST_SEND_REASON = 'test event sent from the hook ("Send a test event")';

/** What one receiver answered to the test event. */
export interface TestSendReport {
  readonly outcome: AttemptReport['outcome']['status'];
  readonly status_code: number | null;
  readonly response_excerpt: string | null;
  readonly error: string | null;
  readonly latency_ms: number;
  /** The delivery in the log that records this send (its attempt holds the same answer). */
  readonly delivery_id: string;
}

export interface TestSendResult extends TestSendReport {
  readonly event_type: string;
  /** The stored test event (`data.test` is true). */
  readonly event_id: string;
  /** E-mail hooks: one report per address written to; the top-level fields are the worst of them. */
  readonly recipients?: (TestSendReport & { readonly address: string })[];
}

// Which report an e-mail hook's answer shows at the top: the one a person must act on.
const SEVERITY: Record<TestSendReport['outcome'], number> = { sent: 0, retry: 1, failed: 2, gone: 2 };

/**
 * "Send a test event" (the seeds' button): one sample event, sent now through the hook's channel,
 * with what the receiver answered. The event, a delivery per receiver and its one attempt are
 * stored, so the send shows in the delivery log like any other; the delivery is finished by that
 * one attempt (a transient failure is not retried on the schedule: the caller is told, and can
 * re-send it from the log), and an answer such as 410 does not disable the hook (the caller sees
 * it and decides).
 */
export class HookTestSender {
  constructor(
    private readonly deps: {
      store: Store;
      catalog: Catalog;
      channels: ChannelRegistry;
      codec: HookSettingsCodec;
      clock: Clock;
      timeoutMs?: number;
    },
  ) {}

  /**
   * Sends `eventType` (default: the first catalog type the hook's filter matches). A disabled
   * hook can be tested too. `callerUserId` is the member calling, or null for the platform key:
   * it decides who an e-mail hook addressed to owners or members writes to (see `recipients`).
   */
  async send(
    hook: HookRecord,
    options: { eventType?: string | undefined; callerUserId: string | null },
  ): Promise<TestSendResult> {
    const type = this.pickType(hook, options.eventType);
    const sample = await this.sampleEvent(hook, type);
    const addresses = hook.kind === 'email' ? await this.recipients(hook, options.callerUserId) : [null];
    const sends = addresses.map((address) => ({ address, deliveryId: newId('dlv') }));
    const owner = `test-send:${sample.event.id}`;
    const seq = await this.record(hook, sample, sends, owner);
    const event = { ...sample.event, seq };
    const signal = AbortSignal.timeout(this.deps.timeoutMs ?? TEST_SEND_TIMEOUT_MS);
    const settings = this.deps.codec.reveal(hook);
    const sent = await Promise.all(
      sends.map(({ address, deliveryId }) =>
        this.sendOne(hook.kind, { ...sample, event, deliveryId, address, settings }, signal),
      ),
    );
    await this.deps.store.queue.settle(
      owner,
      sent.map(({ settlement }) => settlement),
    );
    const reports = sent.map(({ report }) => report);
    const worst = reports.reduce((a, b) => (SEVERITY[b.outcome] > SEVERITY[a.outcome] ? b : a));
    const result: TestSendResult = { event_type: type.name, event_id: event.id, ...worst };
    if (hook.kind !== 'email') return result;
    return { ...result, recipients: reports.map((report, i) => ({ address: addresses[i] ?? '', ...report })) };
  }

  /**
   * Stores the sample event and one delivery per receiver, leased to this send (so no worker
   * claims them while it runs), before anything is sent: the log shows the send under way.
   */
  private record(
    hook: HookRecord,
    sample: Omit<ChannelMessage, 'address' | 'settings' | 'deliveryId'>,
    sends: readonly { address: string | null; deliveryId: string }[],
    owner: string,
  ): Promise<number> {
    const now = this.deps.clock.now();
    const { event } = sample;
    return this.deps.store.events.insertWithDeliveries(
      {
        organization_id: event.organizationId,
        id: event.id,
        type: event.type,
        application_id: event.applicationId,
        addon_id: event.addonId,
        occurred_at: event.occurredAt,
        received_at: now,
        data: JSON.stringify(event.data),
        // Empty, as for events whose id Clarion chose: nobody can replay a test event's id.
        body_hash: '',
      },
      sends.map(({ address, deliveryId }) => ({
        id: deliveryId,
        organization_id: event.organizationId,
        event_id: event.id,
        event_type: event.type,
        application_id: event.applicationId,
        hook_id: hook.id,
        user_id: null,
        channel: hook.kind,
        address,
        reason: TEST_SEND_REASON,
        status: 'sending',
        attempts: 0,
        next_attempt_at: now,
        lease_owner: owner,
        lease_until: now + (this.deps.timeoutMs ?? TEST_SEND_TIMEOUT_MS) + TEST_LEASE_MARGIN_MS,
        created_at: now,
        updated_at: now,
      })),
    );
  }

  private pickType(hook: HookRecord, name: string | undefined): EventType {
    const { catalog } = this.deps;
    if (name !== undefined) {
      const type = catalog.type(name);
      if (!type) throw new ClarionError('CLARION_ERR_HOOK_TEST_UNKNOWN_TYPE', name);
      return type;
    }
    const first = catalog.listTypes().find((type) => matchingEntry(hook.events, type) !== null);
    if (!first) throw new ClarionError('CLARION_ERR_HOOK_TEST_NO_EVENT', hook.id);
    return first;
  }

  /** The sample: of the hook's first application when it is scoped and the type can happen there. */
  private async sampleEvent(
    hook: HookRecord,
    type: EventType,
  ): Promise<Omit<ChannelMessage, 'address' | 'settings' | 'deliveryId'>> {
    const { store, clock } = this.deps;
    const organization = await store.organizations.get(hook.organization_id);
    const applicationId = type.scopes.includes('application') ? (hook.applications?.[0] ?? null) : null;
    const application =
      applicationId === null
        ? undefined
        : await store.organizations.getApplication(hook.organization_id, applicationId);
    const now = clock.now();
    const event: ChannelEvent = {
      id: newId('test'),
      seq: 0,
      type: type.name,
      organizationId: hook.organization_id,
      applicationId,
      addonId: applicationId === null ? (hook.addons?.[0] ?? null) : null,
      occurredAt: now,
      data: {
        test: true,
        message: `A test event from Clarion for hook "${hook.name}": ${type.description}`,
        ...(application ? { uid: application.id, name: application.name } : {}),
      },
    };
    return {
      attempt: 1,
      event,
      eventType: type,
      organization: { id: hook.organization_id, name: organization?.name ?? hook.organization_id },
      application: application ? { id: application.id, name: application.name } : null,
    };
  }

  /**
   * Who an e-mail hook's test goes to: its listed addresses; for a hook addressed to owners or
   * members, the calling member alone (they see it arrive), or every owner when the platform key
   * calls. A test never writes to every member of an organization.
   */
  private async recipients(hook: HookRecord, callerUserId: string | null): Promise<string[]> {
    const to = hook.settings['to'];
    if (Array.isArray(to)) return to.map(String);
    const { store } = this.deps;
    if (callerUserId !== null) {
      const member = await store.members.get(hook.organization_id, callerUserId);
      if (member) return [member.email];
    }
    const owners = (await store.members.all(hook.organization_id)).filter((member) => member.role === 'owner');
    if (owners.length === 0) throw new ClarionError('CLARION_ERR_HOOK_TEST_NO_RECIPIENT', hook.id);
    return owners.map((owner) => owner.email);
  }

  private async sendOne(
    channelName: string,
    message: ChannelMessage,
    signal: AbortSignal,
  ): Promise<{ report: TestSendReport; settlement: Settlement }> {
    const channel = this.deps.channels.get(channelName);
    const startedAt = this.deps.clock.now();
    const started = performance.now();
    let report: AttemptReport;
    if (!channel) {
      // The same words a queued delivery of this hook would end with.
      report = { outcome: { status: 'failed' }, error: `the ${channelName} channel is not configured on this server` };
    } else {
      try {
        const result = await channel.send(message, { signal, now: startedAt });
        // A paced target sends nothing now; the test says so rather than waiting for its turn.
        report = isDeferral(result) ? { outcome: { status: 'retry' }, error: result.reason } : result;
      } catch {
        // Channels resolve for every receiver behaviour; a throw is our bug, reported without detail.
        report = { outcome: { status: 'retry' }, error: 'internal error while sending' };
      }
    }
    const latencyMs = Math.round(performance.now() - started);
    const outcome = report.outcome.status;
    const now = this.deps.clock.now();
    return {
      report: {
        outcome,
        status_code: report.statusCode ?? null,
        response_excerpt: report.responseExcerpt ?? null,
        error: report.error ?? null,
        latency_ms: latencyMs,
        delivery_id: message.deliveryId,
      },
      settlement: {
        deliveryId: message.deliveryId,
        attempt: {
          id: newId('att'),
          delivery_id: message.deliveryId,
          organization_id: message.event.organizationId,
          attempt: 1,
          started_at: startedAt,
          latency_ms: latencyMs,
          outcome,
          status_code: report.statusCode ?? null,
          response_excerpt: report.responseExcerpt ?? null,
          error: report.error ?? null,
        },
        // One attempt finishes a test: a transient failure is reported, not scheduled again.
        status: outcome === 'retry' ? 'failed' : outcome,
        nextAttemptAt: now,
        attempts: 1,
        lastStatusCode: report.statusCode ?? null,
        lastError: report.error ?? null,
        providerMessageId: report.outcome.status === 'sent' ? (report.outcome.providerMessageId ?? null) : null,
        disableHook: null,
        now,
      },
    };
  }
}
