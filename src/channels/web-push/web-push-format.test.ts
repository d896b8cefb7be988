import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTIN_EVENT_TYPES } from '../../catalog/builtin-catalog.ts';
import type { NotificationSource } from './web-push-format.ts';
import { notificationTag, renderWebPushPayload, topicOf, webPushNotification } from './web-push-format.ts';

const type = (name: string) => BUILTIN_EVENT_TYPES.find((t) => t.name === name)!;

function source(name: string, overrides: Partial<NotificationSource['event']> = {}): NotificationSource {
  return {
    event: {
      id: `evt-${name}`,
      seq: 1,
      type: name,
      organizationId: 'acme',
      applicationId: 'web',
      addonId: null,
      occurredAt: Date.UTC(2026, 2, 14, 9, 0, 0),
      data: { reason: 'exit code 137' },
      ...overrides,
    },
    eventType: type(name),
    organization: { id: 'acme', name: 'Acme' },
    application: overrides.applicationId === null ? null : { id: 'web', name: 'Web frontend' },
  };
}

const tagOf = (s: NotificationSource) => notificationTag(s.event, s.eventType);

describe('web push notification tags', () => {
  test('a paired type and its partner on the same application share one tag, their topic', () => {
    const fail = source('job.fail');
    const backOn = source('job.backon', { id: 'evt-later' });
    assert.equal(tagOf(fail), tagOf(backOn));
    assert.equal(tagOf(fail), topicOf(fail.event, fail.eventType));
    assert.match(tagOf(fail), /^[A-Za-z0-9_-]{32}$/);
  });

  test('the pair tag differs by application, add-on, organization and pair', () => {
    const tags = new Set([
      tagOf(source('job.fail')),
      tagOf(source('job.fail', { applicationId: 'api' })),
      tagOf(source('job.fail', { applicationId: null, addonId: 'db' })),
      tagOf(source('job.fail', { applicationId: null })),
      tagOf(source('job.fail', { organizationId: 'globex' })),
      tagOf(source('server.stopped')),
    ]);
    assert.equal(tags.size, 6);
  });

  test('an event of a type without a pair is tagged with its own id and has no topic', () => {
    const down = source('process.down', { id: 'down-1' });
    assert.equal(topicOf(down.event, down.eventType), undefined);
    assert.equal(tagOf(down), 'down-1');
  });

  test('the push payload carries the tag, title and body that webPushNotification renders', () => {
    for (const name of ['job.fail', 'process.down']) {
      const s = source(name);
      const payload = JSON.parse(renderWebPushPayload(s)) as Record<string, unknown>;
      assert.deepEqual(payload, webPushNotification(s));
      assert.equal(payload['tag'], tagOf(s));
    }
    assert.equal(webPushNotification(source('job.fail')).title, '[Acme] Job run failed: Web frontend');
    assert.equal(webPushNotification(source('job.fail')).body, 'reason: exit code 137');
  });

  test('a body too long for one push message is cut to fit, the same in the object and the payload', () => {
    const big = source('process.down', {
      data: Object.fromEntries([...Array(8)].map((_, i) => [`k${i}`, 'x'.repeat(119)])),
    });
    const notification = webPushNotification(big, 600);
    assert.ok(Buffer.byteLength(JSON.stringify(notification)) <= 600);
    assert.match(notification.body, /…$/);
    assert.equal(renderWebPushPayload(big, 600), JSON.stringify(notification));
  });

  test('a body of multi-byte characters is cut by bytes, using the room', () => {
    // 3-byte characters: cutting one character per byte over the limit would leave no body at all.
    const big = source('process.down', {
      data: Object.fromEntries([...Array(8)].map((_, i) => [`k${i}`, '界'.repeat(119)])),
    });
    const size = Buffer.byteLength(renderWebPushPayload(big, 600));
    assert.ok(size <= 600 && size > 600 - 3, `${size} bytes`);
    assert.match(webPushNotification(big, 600).body, /^k0: 界+…$/);
  });
});
