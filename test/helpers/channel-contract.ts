// The contract every channel runs: success, each outcome class its protocol has, a timeout, a
// refused connection, and no secret anywhere on any failure path: not in attempt reports, and
// for hook channels (run end to end from POST /v1/events) not in API answers, attempt rows or
// captured logs. Chat channels run it from their own test files; the others from
// test/channels/channel-contract.test.ts.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { Channel, ChannelMessage, SendResult } from '../../src/channels/channel.ts';
import { isDeferral } from '../../src/channels/channel.ts';
import type { Config } from '../../src/config.ts';
import { HttpClient } from '../../src/net/http-client.ts';
import { startTestClarion, type TestClarion } from './test-clarion.ts';

export type Arrangement = 'sent' | 'retry' | 'failed' | 'gone' | 'timeout';

/** One running stand-in service, with one target (a webhook URL, a token and room) on it. */
export interface ContractService {
  /** The channel's decrypted settings for the target. */
  readonly settings: Record<string, unknown>;
  /** The hook as POST /hooks takes it (kind and settings). */
  readonly hookBody: Record<string, unknown>;
  /** The recipient of a personal channel's message (an e-mail address, a device id). */
  readonly address?: string;
  /** Strings that must never show: URLs with secrets, tokens. */
  readonly secrets: readonly string[];
  /**
   * Secrets the hook's own API answers may show its owners, though nothing else may: a webhook's
   * URL is the hook's address as its owners set it, tokens in its query included.
   */
  readonly shownInHook?: readonly string[];
  /** Config the in-process Clarion needs to reach the service (a base URL). */
  readonly config?: Partial<Config>;
  /** Makes the service answer the following sends so that they come to this outcome. */
  arrange(outcome: Arrangement): void;
  /** How many messages the service accepted. */
  accepted(): number;
  close(): Promise<void>;
}

export interface ChannelContractSpec {
  /** The channel's name; for hook channels also the hook kind the end-to-end part creates. */
  readonly kind: string;
  /**
   * The outcomes a receiver's answer can lead to on this channel (default all four). Webhooks
   * have no `failed` answer: product.md retries every answer but 2xx and 410.
   */
  readonly outcomes?: readonly ('sent' | 'retry' | 'failed' | 'gone')[];
  /** Personal channels (e-mail, push) have no hook to create: they run the direct part only. */
  readonly endToEnd?: boolean;
  /** A target that accepts the connection and never answers, for services that cannot be told to stall. */
  silent?(http: HttpClient): Promise<{ channel: Channel; settings: Record<string, unknown>; close(): Promise<void> }>;
  /** Names the suite when a kind runs it more than once (Hipchat v1 and v2). */
  readonly label?: string;
  start(): Promise<ContractService>;
  makeChannel(http: HttpClient, options: { timeoutMs: number }): Channel;
  /** The same target on a port where nothing listens (a refused connection). */
  unreachable(settings: Record<string, unknown>): {
    settings: Record<string, unknown>;
    channel?: (http: HttpClient) => Channel;
  };
}

export function contractMessage(
  settings: Record<string, unknown>,
  overrides: Partial<ChannelMessage> = {},
): ChannelMessage {
  return {
    deliveryId: `dlv_${Math.random().toString(36).slice(2, 12)}`,
    attempt: 1,
    event: {
      id: 'evt-42',
      seq: 7,
      type: 'stack.redeploy.fail',
      organizationId: 'acme',
      applicationId: 'web',
      addonId: null,
      occurredAt: Date.UTC(2026, 2, 14, 9, 30, 15),
      data: { name: 'web <prod> & co', status: 'failed', commit: 'abc123' },
    },
    eventType: {
      name: 'stack.redeploy.fail',
      description: 'Application redeploy failed',
      scopes: ['application'],
      groups: ['deployment', 'deployment-results'],
      defaultChannels: { email: true, browser: false, ios: false },
      severity: 'fail',
      builtin: true,
    },
    organization: { id: 'acme', name: 'Acme & Sons' },
    application: { id: 'web', name: 'Web <frontend>' },
    address: null,
    settings,
    ...overrides,
  };
}

function assertNoSecret(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `${where} shows a secret: ${text.slice(0, 400)}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function runChannelContract(spec: ChannelContractSpec): void {
  describe(`${spec.label ?? spec.kind}: the channel contract`, () => {
    let http: HttpClient;
    let service: ContractService;
    let channel: Channel;
    // Each send gets a time a minute after the last one, so pacing never defers these sends.
    let now = Date.now();
    const send = async (target: Channel, settings: Record<string, unknown>): Promise<SendResult> => {
      now += 60_000;
      return target.send(contractMessage(settings, { address: service.address ?? null }), {
        signal: new AbortController().signal,
        now,
      });
    };

    before(async () => {
      http = new HttpClient({ allowPrivateTargets: true });
      service = await spec.start();
      channel = spec.makeChannel(http, { timeoutMs: 1000 });
    });
    after(async () => {
      await channel.close();
      await service.close();
      await http.close();
    });

    for (const outcome of spec.outcomes ?? (['sent', 'retry', 'failed', 'gone'] as const)) {
      it(`comes to ${outcome} when the service answers so, and shows no secret`, async () => {
        service.arrange(outcome);
        const report = await send(channel, service.settings);
        assert.ok(!isDeferral(report), 'a send a minute after the last was deferred');
        assert.equal(report.outcome.status, outcome, JSON.stringify(report));
        if (outcome !== 'sent') assert.ok(report.error, 'a failure says what went wrong');
        assertNoSecret(JSON.stringify(report), service.secrets, 'the attempt report');
        service.arrange('sent');
      });
    }

    it('retries when the service answers slower than the timeout, and shows no secret', async () => {
      const silent = await spec.silent?.(http);
      service.arrange('timeout');
      const started = Date.now();
      const report = await send(silent?.channel ?? channel, silent?.settings ?? service.settings);
      service.arrange('sent');
      await silent?.close();
      assert.ok(!isDeferral(report));
      assert.equal(report.outcome.status, 'retry', JSON.stringify(report));
      assert.ok(report.error, 'a timeout says what went wrong');
      assert.ok(Date.now() - started < 2500, 'the timeout cut the attempt short');
      assertNoSecret(JSON.stringify(report), service.secrets, 'the attempt report');
    });

    it('retries when the connection is refused, and shows no secret', async () => {
      const unreachable = spec.unreachable(service.settings);
      const target = unreachable.channel?.(http) ?? channel;
      const report = await send(target, unreachable.settings);
      assert.ok(!isDeferral(report));
      assert.equal(report.outcome.status, 'retry', JSON.stringify(report));
      assert.match(report.error ?? '', /refused/i);
      assertNoSecret(JSON.stringify(report), service.secrets, 'the attempt report');
    });
  });

  if (spec.endToEnd === false) return;
  describe(`${spec.label ?? spec.kind}: end to end from POST /v1/events, with logs captured`, () => {
    let t: TestClarion;
    let service: ContractService;
    const logs: string[] = [];

    before(async () => {
      service = await spec.start();
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs.push(chunk.toString('utf8'));
          done();
        },
      });
      t = await startTestClarion('sqlite', {
        // The worker's deadline for one send: the injectable bound the timeout case runs into
        // (services delay their answer 3 s for it; 1 s leaves room for a loaded machine otherwise).
        config: { sendTimeoutMs: 1000, ...service.config },
        deps: { logger: pino({ level: 'trace' }, stream), pollIntervalMs: 50 },
      });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      const app = await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web <frontend>' });
      assert.equal(app.status, 201);
    });
    after(async () => {
      await t.close();
      await service.close();
    });

    const hookSecrets = () => service.secrets.filter((secret) => !(service.shownInHook ?? []).includes(secret));
    let seq = 0;
    async function deliver(outcome: Arrangement): Promise<{ hook: any; delivery: any }> {
      seq += 1;
      const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
        name: `${spec.kind} ${seq}`,
        events: ['stack.redeploy.fail'],
        ...service.hookBody,
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      assertNoSecret(JSON.stringify(hook.body), hookSecrets(), 'the hook as created');
      // After creating the hook: saving it may call the service (a Hipchat token check).
      service.arrange(outcome);
      const accepted = await t.json('POST', '/v1/events', {
        id: `e2e-${spec.kind}-${seq}`,
        type: 'stack.redeploy.fail',
        organization: 'acme',
        application: 'web',
        data: { name: 'web', status: 'failed' },
      });
      assert.equal(accepted.status, 202);
      const deadline = Date.now() + 8000;
      for (;;) {
        const list = await t.json('GET', `/v1/deliveries?event=e2e-${spec.kind}-${seq}`);
        const mine = (list.body.data as any[]).find((row) => row.hook === hook.body.id);
        if (mine && mine.attempts > 0) {
          const delivery = await t.json('GET', `/v1/deliveries/${mine.id}`);
          // Disable the hook so later events of this suite do not go to it too.
          await t.json('PATCH', `/v1/organizations/acme/hooks/${hook.body.id}`, { enabled: false });
          service.arrange('sent');
          return { hook: hook.body, delivery: delivery.body };
        }
        if (Date.now() > deadline) throw new Error(`no attempt within 8 s: ${JSON.stringify(list.body)}`);
        await sleep(25);
      }
    }

    it('delivers an event posted to the API through the channel, and the service accepts it', async () => {
      const before = service.accepted();
      const { delivery } = await deliver('sent');
      assert.equal(delivery.status, 'sent', JSON.stringify(delivery));
      assert.equal(service.accepted(), before + 1);
    });

    for (const outcome of [
      ...(spec.outcomes ?? ['retry', 'failed', 'gone']).filter((o) => o !== 'sent'),
      'timeout',
    ] as const) {
      it(`keeps every secret out of the attempt rows, the API answers and the logs when the send comes to ${outcome}`, async () => {
        const { hook, delivery } = await deliver(outcome);
        const attempt = delivery.attempts_log[0];
        const expected = outcome === 'timeout' ? 'retry' : outcome;
        assert.equal(attempt.outcome, expected, JSON.stringify(delivery));
        assertNoSecret(JSON.stringify(delivery), service.secrets, 'the delivery and its attempts');
        const hookNow = await t.json('GET', `/v1/organizations/acme/hooks/${hook.id}`);
        assertNoSecret(JSON.stringify(hookNow.body), hookSecrets(), 'the hook');
        const rows = await t.clarion.store.deliveries.attempts(delivery.id);
        assertNoSecret(JSON.stringify(rows), service.secrets, 'the attempt rows');
        assert.ok(logs.length > 0, 'the logger captured nothing');
        assertNoSecret(logs.join(''), service.secrets, 'the logs');
      });
    }
  });
}
