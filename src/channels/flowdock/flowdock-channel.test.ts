import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDeferral } from '../channel.ts';
import type { AttemptReport, SendResult } from '../channel.ts';
import { HttpClient } from '../../net/http-client.ts';
import { contractMessage, runChannelContract } from '../../../test/helpers/channel-contract.ts';
import { flowdockErrors, startFlowdockReceiver } from '../../../test/helpers/flowdock-receiver.ts';
import type { FlowdockReceiver } from '../../../test/helpers/flowdock-receiver.ts';
import { FlowdockChannel } from './flowdock-channel.ts';
import { formatFlowdockActivity } from './flowdock-format.ts';

const TOKEN = 'flowTokenSecret0123456789abcdef';
/** The contract's service, for makeChannel (which the contract calls after start). */
let contractApiUrl = '';

runChannelContract({
  kind: 'flowdock',
  async start() {
    const flowdock = await startFlowdockReceiver();
    flowdock.tokens.add(TOKEN);
    contractApiUrl = flowdock.url;
    return {
      settings: { flow_token: TOKEN },
      hookBody: { kind: 'flowdock', flow_token: TOKEN },
      secrets: [TOKEN],
      config: { flowdockApiUrl: flowdock.url },
      arrange(outcome) {
        flowdock.delayEvery(outcome === 'timeout' ? 3000 : 0);
        if (outcome === 'retry') flowdock.answerNext({ status: 502, body: 'bad gateway' });
        if (outcome === 'failed') {
          flowdock.answerNext({ status: 401, body: `{"message":"Unauthorized token ${TOKEN}"}` });
        }
        if (outcome === 'gone') flowdock.answerNext({ status: 404, body: '{"message":"Not found"}' });
      },
      accepted: () => flowdock.posted.length,
      close: () => flowdock.close(),
    };
  },
  makeChannel: (http, { timeoutMs }) => new FlowdockChannel({ http, apiUrl: contractApiUrl, timeoutMs }),
  unreachable: (settings) => ({
    settings,
    channel: (http) => new FlowdockChannel({ http, apiUrl: 'http://127.0.0.1:9', timeoutMs: 2000 }),
  }),
});

function report(result: SendResult): AttemptReport {
  assert.ok(!isDeferral(result), `deferred: ${JSON.stringify(result)}`);
  return result;
}

describe('FlowdockChannel', () => {
  let http: HttpClient;
  let channel: FlowdockChannel;
  let flowdock: FlowdockReceiver;
  const options = () => ({ signal: new AbortController().signal, now: Date.now() });

  before(async () => {
    http = new HttpClient({ allowPrivateTargets: true });
    flowdock = await startFlowdockReceiver();
    flowdock.tokens.add(TOKEN);
    // A trailing slash on the base URL is not doubled.
    channel = new FlowdockChannel({ http, apiUrl: `${flowdock.url}/`, timeoutMs: 2000 });
  });
  after(async () => {
    await channel.close();
    await flowdock.close();
    await http.close();
  });

  it('posts an activity with the flow token, threaded per application, with status colour and fields', async () => {
    const message = contractMessage({ flow_token: TOKEN });
    const result = report(await channel.send(message, options()));
    assert.deepEqual(result.outcome, { status: 'sent' });
    assert.equal(flowdock.receiver.requests.at(-1)!.url, '/messages');
    assert.deepEqual(flowdock.posted.at(-1), {
      flow_token: TOKEN,
      event: 'activity',
      author: { name: 'Clarion' },
      title: 'Application redeploy failed: Web &lt;frontend&gt;',
      external_thread_id: 'clarion:acme:web',
      thread: {
        title: 'Web &lt;frontend&gt;',
        body: '<p>Application redeploy failed</p>',
        fields: [
          { label: 'Organization', value: 'Acme &amp; Sons' },
          { label: 'Application', value: 'Web &lt;frontend&gt;' },
          { label: 'Event', value: 'stack.redeploy.fail' },
          { label: 'name', value: 'web &lt;prod&gt; &amp; co' },
          { label: 'status', value: 'failed' },
          { label: 'commit', value: 'abc123' },
        ],
        status: { color: 'red', value: 'failed' },
      },
      uuid: message.deliveryId,
    });
  });

  it('threads account events per organization and colours ok green, warnings orange', () => {
    const message = contractMessage({ flow_token: TOKEN });
    const account = {
      ...message,
      event: { ...message.event, applicationId: null },
      application: null,
      eventType: { ...message.eventType, severity: 'ok' as const },
    };
    const body = formatFlowdockActivity(account) as any;
    assert.equal(body.external_thread_id, 'clarion:acme:account');
    assert.deepEqual(body.thread.status, { color: 'green', value: 'ok' });
    const warning = formatFlowdockActivity({
      ...message,
      eventType: { ...message.eventType, severity: 'warning' },
    }) as any;
    assert.equal(warning.thread.status.color, 'orange');
  });

  it('is checked by a receiver that refuses what Flowdock refuses (so the format tests can fail)', () => {
    const body = { flow_token: TOKEN, ...formatFlowdockActivity(contractMessage({})) } as Record<string, any>;
    assert.deepEqual(flowdockErrors(body), {});
    assert.deepEqual(Object.keys(flowdockErrors({ ...body, title: '<b>x</b>' })), ['title']);
    assert.deepEqual(Object.keys(flowdockErrors({ ...body, external_thread_id: undefined })), ['external_thread_id']);
    assert.deepEqual(Object.keys(flowdockErrors({ ...body, author: {} })), ['author.name']);
    assert.deepEqual(
      Object.keys(flowdockErrors({ ...body, thread: { ...body['thread'], status: { color: 'pink', value: 'x' } } })),
      ['thread.status.color'],
    );
  });

  it('reads a validation error as failed and quotes the fields Flowdock names', async () => {
    flowdock.answerNext({
      status: 400,
      body: JSON.stringify({ message: 'Validation error', errors: { title: ["can't be blank"] } }),
    });
    const result = report(await channel.send(contractMessage({ flow_token: TOKEN }), options()));
    assert.equal(result.outcome.status, 'failed');
    assert.equal(result.error, "Flowdock refused the message: Validation error (title can't be blank)");
  });

  it('reads an unknown flow token (401) as failed without quoting it', async () => {
    const wrong = 'wrongFlowToken0123456789';
    const result = report(await channel.send(contractMessage({ flow_token: wrong }), options()));
    assert.equal(result.outcome.status, 'failed');
    assert.equal(result.statusCode, 401);
    assert.ok(!JSON.stringify(result).includes(wrong));
  });

  it('retries a 429 honouring Retry-After', async () => {
    flowdock.answerNext({ status: 429, headers: { 'retry-after': '12' }, body: '{}' });
    const result = report(await channel.send(contractMessage({ flow_token: TOKEN }), options()));
    assert.deepEqual(result.outcome, { status: 'retry', retryAfterMs: 12_000 });
  });

  it('fails without sending when the hook has no flow token', async () => {
    const before = flowdock.receiver.requests.length;
    const result = report(await channel.send(contractMessage({}), options()));
    assert.equal(result.outcome.status, 'failed');
    assert.equal(flowdock.receiver.requests.length, before);
  });
});
