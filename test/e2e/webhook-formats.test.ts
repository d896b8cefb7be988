// End to end, for every webhook format: an event sent to POST /v1/events reaches a webhook of
// that format on a local receiver, in that format's body, signed so standardwebhooks verifies it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_FORMATS } from '../../src/channels/webhook/webhook-format.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../helpers/http-receiver.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const ORG = '/v1/organizations/acme';

function headersOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])),
  );
}

/** What each format's body must hold for the event sent below. */
const EXPECTED: Record<(typeof WEBHOOK_FORMATS)[number], (body: any) => void> = {
  raw: (body) => {
    assert.equal(body.event_type, 'stack.redeploy.fail');
    assert.equal(body.timestamp, Date.parse('2026-11-20T10:00:00Z') / 1000);
    assert.equal(body.uid, 'web');
  },
  slack: (body) => {
    assert.equal(body.text, 'Application redeploy failed: Web &lt;frontend&gt; (Acme)');
    assert.equal(body.attachments[0].color, 'danger');
    assert.equal(body.blocks[0].type, 'section');
  },
  flowdock: (body) => {
    assert.equal(body.event, 'activity');
    assert.equal(body.external_thread_id, 'clarion:acme:web');
    assert.equal(body.thread.status.color, 'red');
    assert.equal(body.uuid, 'deploy-e2e');
  },
  standard: (body) => {
    assert.deepEqual(body, {
      type: 'stack.redeploy.fail',
      timestamp: '2026-11-20T10:00:00.000Z',
      data: { uid: 'web', name: 'Web <frontend>', status: 2 },
    });
  },
};

for (const kind of STORE_KINDS) {
  describe(`${kind}: webhook formats end to end`, () => {
    let t: TestClarion;
    let receiver: HttpReceiver;

    before(async () => {
      receiver = await startHttpReceiver(() => ({ status: 204 }));
      t = await startTestClarion(kind);
      assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
      assert.equal((await t.json('POST', `${ORG}/applications`, { id: 'web', name: 'Web <frontend>' })).status, 201);
    });

    after(async () => {
      await t.close();
      await receiver.close();
    });

    it('delivers one event to a webhook of each format, each body in its format and verified', async () => {
      const secrets = new Map<string, string>();
      for (const format of WEBHOOK_FORMATS) {
        const created = await t.json('POST', `${ORG}/hooks`, {
          name: `${format} hook`,
          kind: 'webhook',
          url: `${receiver.url}/${format}`,
          format,
          events: ['stack.redeploy.fail'],
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.body.format, format);
        secrets.set(format, created.body.secret);
      }
      const accepted = await t.json('POST', '/v1/events', {
        id: 'deploy-e2e',
        type: 'stack.redeploy.fail',
        organization: 'acme',
        application: 'web',
        occurred_at: '2026-11-20T10:00:00Z',
        data: { uid: 'web', name: 'Web <frontend>', status: 2 },
      });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));

      const requests = await receiver.waitFor(WEBHOOK_FORMATS.length);
      assert.equal(requests.length, WEBHOOK_FORMATS.length);
      for (const format of WEBHOOK_FORMATS) {
        const request = requests.find((r) => r.url === `/${format}`);
        assert.ok(request, `nothing arrived for ${format}`);
        const verified = new Webhook(secrets.get(format)!).verify(request.body, headersOf(request));
        EXPECTED[format](verified);
        assert.equal(request.headers['clarion-event-id'], 'deploy-e2e');
      }
    });
  });
}
