// Pacing is per URL and per process: a Slack URL that answers 429 with a long Retry-After closes
// only that URL, in each process, while every other URL keeps its own pace of one message a
// second (two `clarion serve` processes share one SQLite file, as a deployment with two workers);
// and a URL that answers slowly holds only its own delivery, not a worker's other sends.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startChildClarion, type ChildClarion } from '../helpers/child-clarion.ts';
import { startSlackReceiver } from '../helpers/slack-receiver.ts';
import { freshStoreLocation } from '../helpers/stores.ts';
import { startTestClarion, TEST_PLATFORM_KEY } from '../helpers/test-clarion.ts';

const EVENTS = 4;

it('A rate-limited Slack URL does not delay deliveries to a second URL, with two worker processes running', async () => {
  const location = await freshStoreLocation('sqlite');
  const slack = await startSlackReceiver();
  const children: ChildClarion[] = [];
  try {
    const limitedUrl = slack.webhookUrl();
    const freeUrl = slack.webhookUrl();
    slack.rateLimit(limitedUrl, 600);
    const options = { dataDir: location.dataDir, platformKey: TEST_PLATFORM_KEY };
    children.push(await startChildClarion(options));
    const call = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${children[0]!.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_PLATFORM_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    assert.equal((await call('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
    for (const [name, url] of [
      ['limited', limitedUrl],
      ['free', freeUrl],
    ]) {
      const hook = await call('POST', '/v1/organizations/acme/hooks', { name, kind: 'slack', url, events: 'all' });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
    }
    // The second process opens the same SQLite file (and reads the same generated secret key).
    children.push(await startChildClarion(options));

    const started = Date.now();
    for (let i = 0; i < EVENTS; i++) {
      const accepted = await call('POST', '/v1/events', {
        id: `burst-${i}`,
        type: 'job.fail',
        organization: 'acme',
        data: {},
      });
      assert.equal(accepted.status, 202);
    }
    // One message a second per URL per process: four take at least a second with two processes,
    // and about three with one; a pace shared with the limited URL would hold them for 10 minutes.
    await waitUntil(
      () => slack.posted.filter((entry) => entry.url === new URL(freeUrl).pathname).length >= EVENTS,
      8000,
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 8000, `the free URL took ${elapsed} ms`);

    const arrivals = slack.requestsTo(freeUrl).map((request) => request.receivedAt);
    assert.equal(arrivals.length, EVENTS, 'each message went once');
    // Per process one message a second: no three requests to one URL within a second.
    for (let i = 2; i < arrivals.length; i++) {
      assert.ok(arrivals[i]! - arrivals[i - 2]! >= 900, `three requests within a second: ${arrivals.join(', ')}`);
    }
    // Each process tried the limited URL once, then deferred its other deliveries to the Retry-After.
    assert.ok(
      slack.requestsTo(limitedUrl).length <= 2,
      `the limited URL got ${slack.requestsTo(limitedUrl).length} requests`,
    );
  } finally {
    await Promise.all(children.map((child) => child.kill()));
    await slack.close();
    await location.cleanup();
  }
});

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

it('A Slack URL that answers slowly does not delay deliveries to a second URL', async () => {
  const slack = await startSlackReceiver();
  const t = await startTestClarion('sqlite', { config: { sendTimeoutMs: 10_000 } });
  try {
    const slowUrl = slack.webhookUrl();
    const fastUrl = slack.webhookUrl();
    slack.slowDown(slowUrl, 4000);
    assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
    for (const [name, url] of [
      ['slow', slowUrl],
      ['fast', fastUrl],
    ]) {
      const hook = await t.json('POST', '/v1/organizations/acme/hooks', { name, kind: 'slack', url, events: 'all' });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
    }
    const fastPosts = () => slack.posted.filter((entry) => entry.url === new URL(fastUrl).pathname).length;
    const post = async (id: string) =>
      assert.equal(
        (await t.json('POST', '/v1/events', { id, type: 'job.fail', organization: 'acme', data: {} })).status,
        202,
      );
    await post('first');
    // The slow URL now holds a request it answers only after 4 s.
    await waitUntil(() => slack.requestsTo(slowUrl).length === 1 && fastPosts() === 1, 3000);
    assert.equal(slack.requestsTo(slowUrl).length, 1);
    const started = Date.now();
    await post('second');
    await waitUntil(() => fastPosts() === 2, 3500);
    assert.equal(fastPosts(), 2, 'the fast URL did not get the second event while the slow one was answering');
    // Under 3.5 s: the slow URL's answer (4 s) was not waited for.
    assert.ok(Date.now() - started < 3500);
  } finally {
    await t.close();
    await slack.close();
  }
});
