// Rotating a webhook's signing secret: the new secret is answered once; the previous one keeps
// signing beside it (two signatures in webhook-signature) until the overlap ends on the injected
// clock, then only the new one signs. Secrets stay redacted in answers, logs and attempt rows.
import { Catalog } from '../../src/catalog/catalog.ts';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { FakeClock } from '../../src/clock.ts';
import { HookService } from '../../src/hooks/hook-service.ts';
import { HookSettingsCodec } from '../../src/hooks/hook-settings.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const ORG = '/v1/organizations/acme';
const HOUR = 60 * 60 * 1000;

function headersOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])),
  );
}

/**
 * Whether `secret` signed the request: its signature (computed by standardwebhooks) is one of
 * the header's. Used once the fake clock is a day ahead, where `verify` would refuse the
 * timestamp as too far from real time whatever the signature.
 */
function signedWith(secret: string, request: ReceivedRequest): boolean {
  const id = request.headers['webhook-id'] as string;
  const timestamp = new Date(Number(request.headers['webhook-timestamp']) * 1000);
  const expected = new Webhook(secret).sign(id, timestamp, request.body);
  return (request.headers['webhook-signature'] as string).split(' ').includes(expected);
}

for (const kind of STORE_KINDS) {
  describe(`${kind}: rotating a webhook's signing secret`, () => {
    let t: TestClarion;
    let receiver: HttpReceiver;
    let clock: FakeClock;
    let logs = '';
    let hookId: string;
    let firstSecret: string;

    before(async () => {
      receiver = await startHttpReceiver(() => ({ status: 204 }));
      // Real time at the start, so standardwebhooks (±5 minutes of its own clock) verifies.
      clock = new FakeClock(Date.now());
      const sink = new Writable({
        write(chunk, _encoding, done) {
          logs += String(chunk);
          done();
        },
      });
      t = await startTestClarion(kind, { deps: { clock, logger: pino({ level: 'trace' }, sink) } });
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      const created = await t.json('POST', `${ORG}/hooks`, {
        name: 'Jobs',
        kind: 'webhook',
        url: `${receiver.url}/hook`,
        format: 'standard',
        events: ['job.fail'],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      hookId = created.body.id;
      firstSecret = created.body.secret;
      assert.deepEqual(created.body.secrets, [{ secret: '[redacted]', expires_at: null }]);
    });

    after(async () => {
      await t.close();
      await receiver.close();
    });

    /** Sends a job.fail event and returns the request the receiver got for it. */
    async function deliverEvent(id: string): Promise<ReceivedRequest> {
      const before = receiver.requests.length;
      const accepted = await t.json('POST', '/v1/events', { id, type: 'job.fail', organization: 'acme', data: { id } });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      t.clarion.worker!.wake();
      const requests = await receiver.waitFor(before + 1);
      return requests[before]!;
    }

    const rotate = (body?: unknown) => t.json('POST', `${ORG}/hooks/${hookId}/secret/rotate`, body);

    let secondSecret: string;

    it('signs with the only secret before any rotation', async () => {
      const request = await deliverEvent('before-rotation');
      assert.equal((request.headers['webhook-signature'] as string).split(' ').length, 1);
      assert.doesNotThrow(() => new Webhook(firstSecret).verify(request.body, headersOf(request)));
    });

    it('answers a new whsec_ secret once and lists both, the previous one expiring after 24 hours', async () => {
      const rotated = await rotate();
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      secondSecret = rotated.body.secret;
      assert.match(secondSecret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.notEqual(secondSecret, firstSecret);
      const overlapEnd = new Date(clock.now() + 24 * HOUR).toISOString();
      assert.deepEqual(rotated.body.secrets, [
        { secret: '[redacted]', expires_at: overlapEnd },
        { secret: '[redacted]', expires_at: null },
      ]);

      const read = await t.json('GET', `${ORG}/hooks/${hookId}`);
      assert.equal(read.body.secret, undefined, 'a secret is shown only in the answer that makes it');
      assert.deepEqual(read.body.secrets, rotated.body.secrets);
      const listed = await t.json('GET', `${ORG}/hooks`);
      const text = JSON.stringify(listed.body) + JSON.stringify(read.body);
      assert.ok(!text.includes(firstSecret) && !text.includes(secondSecret));

      const row = await t.clarion.store.hooks.get('acme', hookId);
      const stored = JSON.stringify(row!.settings);
      assert.ok(!stored.includes(secondSecret.slice(6)), 'sealed at rest');
    });

    it('signs with both secrets during the overlap, and standardwebhooks verifies with either', async () => {
      clock.advance(60 * 1000);
      const request = await deliverEvent('during-overlap');
      assert.equal((request.headers['webhook-signature'] as string).split(' ').length, 2);
      for (const secret of [firstSecret, secondSecret]) {
        const verified = new Webhook(secret).verify(request.body, headersOf(request)) as Record<string, unknown>;
        assert.equal(verified['type'], 'job.fail');
        assert.deepEqual(verified['data'], { id: 'during-overlap' });
      }
    });

    it('signs a test send with both secrets during the overlap too', async () => {
      const tested = await t.json('POST', `${ORG}/hooks/${hookId}/test`);
      assert.equal(tested.body.outcome, 'sent', JSON.stringify(tested.body));
      const request = receiver.requests.at(-1)!;
      for (const secret of [firstSecret, secondSecret]) {
        assert.doesNotThrow(() => new Webhook(secret).verify(request.body, headersOf(request)));
      }
    });

    it('signs with the new secret only once the overlap has ended', async () => {
      clock.advance(24 * HOUR);
      const request = await deliverEvent('after-overlap');
      assert.equal((request.headers['webhook-signature'] as string).split(' ').length, 1);
      assert.ok(signedWith(secondSecret, request), 'the new secret signs');
      assert.ok(!signedWith(firstSecret, request), 'the previous secret no longer signs');

      const read = await t.json('GET', `${ORG}/hooks/${hookId}`);
      assert.deepEqual(read.body.secrets, [{ secret: '[redacted]', expires_at: null }]);
    });

    it('drops expired secrets from storage at the next rotation, and an overlap of 0 stops the previous one at once', async () => {
      const rotated = await rotate({ overlap_seconds: 0 });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      const third = rotated.body.secret as string;
      assert.deepEqual(rotated.body.secrets, [{ secret: '[redacted]', expires_at: null }]);
      const row = await t.clarion.store.hooks.get('acme', hookId);
      assert.equal((row!.settings['secrets'] as unknown[]).length, 1);

      const request = await deliverEvent('after-emergency-rotation');
      assert.ok(signedWith(third, request));
      assert.ok(!signedWith(secondSecret, request));
    });

    it('caps an overlap at a previous secret’s own earlier expiry', async () => {
      const a = await rotate({ overlap_seconds: 3600 });
      const b = await rotate({ overlap_seconds: 7200 });
      assert.equal(b.status, 200, JSON.stringify(b.body));
      const oneHour = new Date(clock.now() + HOUR).toISOString();
      const twoHours = new Date(clock.now() + 2 * HOUR).toISOString();
      assert.deepEqual(
        b.body.secrets.map((entry: { expires_at: string | null }) => entry.expires_at),
        [oneHour, twoHours, null],
      );
      assert.ok(a.body.secret !== b.body.secret);
    });

    it('keeps both new secrets when two rotations race', async () => {
      await rotate({ overlap_seconds: 0 });
      // The race made deterministic: a service that read the hook before the API rotated it.
      const stale = await t.clarion.store.hooks.get('acme', hookId);
      const a = await rotate({ overlap_seconds: 600 });
      assert.equal(a.status, 200, JSON.stringify(a.body));
      const service = new HookService({
        store: t.clarion.store,
        clock,
        codec: new HookSettingsCodec(new SecretBox(t.clarion.config.secretKey!)),
        // Rotation reads neither the catalog nor DNS.
        catalog: undefined as never,
        resolver: undefined as never,
        allowPrivateTargets: true,
      });
      const b = await service.rotateSecret(stale!, 600);

      const read = await t.json('GET', `${ORG}/hooks/${hookId}`);
      // The one before both, then each racer's secret: three sign, none was lost.
      assert.equal(read.body.secrets.length, 3, JSON.stringify(read.body));
      const request = await deliverEvent('after-race');
      assert.ok(signedWith(a.body.secret, request), "the first racer's secret signs");
      assert.ok(signedWith(b.secret, request), "the second racer's secret signs");
    });

    it('refuses an overlap outside 0 to 7 days with CLARION_ERR_HOOK_SECRET_OVERLAP_INVALID', async () => {
      for (const overlap of [-1, 7 * 24 * 3600 + 1]) {
        const refused = await rotate({ overlap_seconds: overlap });
        assert.equal(refused.status, 422, JSON.stringify(refused.body));
        assert.equal(refused.body.code, 'CLARION_ERR_HOOK_SECRET_OVERLAP_INVALID');
      }
      const notInteger = await rotate({ overlap_seconds: 1.5 });
      assert.equal(notInteger.status, 400);
      const unknownField = await rotate({ overlap: 10 });
      assert.equal(unknownField.status, 400);
    });

    it('refuses to rotate a hook that is not a webhook with CLARION_ERR_HOOK_NOT_WEBHOOK', async () => {
      const email = await t.json('POST', `${ORG}/hooks`, { name: 'Mail', kind: 'email', to: 'owners', events: 'all' });
      const refused = await t.json('POST', `${ORG}/hooks/${email.body.id}/secret/rotate`, {});
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'CLARION_ERR_HOOK_NOT_WEBHOOK');
      const missing = await t.json('POST', `${ORG}/hooks/hook_missing/secret/rotate`, {});
      assert.equal(missing.status, 404);
    });

    it('refuses a rotation that would leave more than 10 previous secrets signing', async () => {
      // Two previous secrets sign now (from the race test); fill up to ten.
      for (let i = 0; i < 8; i++) assert.equal((await rotate({ overlap_seconds: 600 })).status, 200);
      const refused = await rotate({ overlap_seconds: 600 });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'CLARION_ERR_HOOK_SECRET_LIMIT');
      assert.equal((await rotate({ overlap_seconds: 0 })).status, 200, 'an overlap of 0 always works');
    });

    it('keeps a rotated secret when an edit read the hook before the rotation', async () => {
      // The race made deterministic: an edit that read the hook, then the API rotated its secret.
      const stale = await t.clarion.store.hooks.get('acme', hookId);
      const rotated = await rotate({ overlap_seconds: 0 });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      const service = new HookService({
        store: t.clarion.store,
        clock,
        codec: new HookSettingsCodec(new SecretBox(t.clarion.config.secretKey!)),
        // The built-in catalog checks the (unchanged) filter; a rename resolves no URL.
        catalog: new Catalog(),
        resolver: undefined as never,
        allowPrivateTargets: true,
      });
      const edited = await service.update(stale!, { name: 'renamed during a rotation' });
      assert.equal(edited.name, 'renamed during a rotation');
      const read = await t.json('GET', `${ORG}/hooks/${hookId}`);
      assert.equal(read.body.name, 'renamed during a rotation');
      const request = await deliverEvent('after-edit-race');
      assert.ok(signedWith(rotated.body.secret, request), 'the rotated secret still signs');
    });

    it('never writes a secret to the logs or to delivery and attempt rows', async () => {
      assert.ok(logs.length > 0, 'the logger saw the requests');
      const rows = JSON.stringify(await t.clarion.store.db.selectFrom('attempts').selectAll().execute());
      const deliveries = JSON.stringify(await t.clarion.store.db.selectFrom('deliveries').selectAll().execute());
      for (const secret of [firstSecret, secondSecret]) {
        const key = secret.slice('whsec_'.length);
        assert.ok(!logs.includes(key), 'secret in the logs');
        assert.ok(!rows.includes(key) && !deliveries.includes(key), 'secret in the delivery log');
      }
    });
  });
}
