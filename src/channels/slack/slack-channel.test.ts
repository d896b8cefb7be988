import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDeferral } from '../channel.ts';
import type { AttemptReport, SendResult } from '../channel.ts';
import { HttpClient } from '../../net/http-client.ts';
import { contractMessage, runChannelContract } from '../../../test/helpers/channel-contract.ts';
import { startSlackReceiver, validateSlackBody } from '../../../test/helpers/slack-receiver.ts';
import type { SlackReceiver } from '../../../test/helpers/slack-receiver.ts';
import { SlackChannel } from './slack-channel.ts';
import { escapeSlack, formatSlackMessage, SLACK_COLOURS } from './slack-format.ts';

runChannelContract({
  kind: 'slack',
  async start() {
    const slack = await startSlackReceiver();
    const url = slack.webhookUrl();
    return {
      settings: { url },
      hookBody: { kind: 'slack', url },
      secrets: [url, new URL(url).pathname.split('/').at(-1)!],
      arrange(outcome) {
        slack.delayEvery(outcome === 'timeout' ? 3000 : 0);
        if (outcome === 'retry') slack.answerNext('rollup_error', 500);
        if (outcome === 'failed') slack.answerNext('invalid_payload', 400);
        if (outcome === 'gone') slack.answerNext('no_service', 404);
      },
      accepted: () => slack.posted.length,
      close: () => slack.close(),
    };
  },
  makeChannel: (http, { timeoutMs }) => new SlackChannel({ http, timeoutMs }),
  unreachable: (settings) => ({ settings: { url: String(settings['url']).replace(/:\d+\//, ':9/') } }),
});

function report(result: SendResult): AttemptReport {
  assert.ok(!isDeferral(result), `deferred: ${JSON.stringify(result)}`);
  return result;
}

describe('SlackChannel', () => {
  let http: HttpClient;
  let channel: SlackChannel;
  let slack: SlackReceiver;
  const signal = new AbortController().signal;
  let now = Date.UTC(2026, 0, 1);
  /** A time far enough from the last that pacing has let go of every URL. */
  const later = () => (now += 3_600_000);

  before(async () => {
    http = new HttpClient({ allowPrivateTargets: true });
    channel = new SlackChannel({ http, timeoutMs: 2000 });
    slack = await startSlackReceiver();
  });
  after(async () => {
    await channel.close();
    await slack.close();
    await http.close();
  });

  it('posts a text fallback and one attachment coloured by severity holding the Block Kit blocks', async () => {
    const url = slack.webhookUrl();
    const result = report(
      await channel.send(contractMessage({ url, channel: '#ops', username: 'Clarion' }), { signal, now: later() }),
    );
    assert.deepEqual(result.outcome, { status: 'sent' });
    assert.equal(result.statusCode, 200);
    const [posted] = slack.posted.filter((entry) => entry.url === new URL(url).pathname);
    const body = posted!.body as any;
    assert.equal(body.text, 'Application redeploy failed: Web &lt;frontend&gt;');
    assert.equal(body.channel, '#ops');
    assert.equal(body.username, 'Clarion');
    assert.equal(body.attachments.length, 1);
    assert.equal(body.attachments[0].color, SLACK_COLOURS.fail);
    assert.equal(body.attachments[0].fallback, body.text);
    const [headline, details, context] = body.attachments[0].blocks;
    assert.deepEqual(headline, {
      type: 'section',
      text: { type: 'mrkdwn', text: '*Application redeploy failed*\nWeb &lt;frontend&gt;' },
    });
    assert.deepEqual(
      details.fields.map((field: { text: string }) => field.text),
      [
        '*Organization*\nAcme &amp; Sons',
        '*Application*\nWeb &lt;frontend&gt;',
        '*Event*\nstack.redeploy.fail',
        '*name*\nweb &lt;prod&gt; &amp; co',
        '*status*\nfailed',
        '*commit*\nabc123',
      ],
    );
    assert.equal(context.type, 'context');
    assert.match(context.elements[0].text, /^evt-42 · 2026-03-14T09:30:15.000Z$/);
  });

  it('colours ok events green, warnings amber and info blue', () => {
    for (const severity of ['ok', 'warning', 'info'] as const) {
      const message = contractMessage({ url: 'http://x.test' });
      const body = formatSlackMessage({ ...message, eventType: { ...message.eventType, severity } }) as any;
      assert.equal(body.attachments[0].color, SLACK_COLOURS[severity]);
    }
  });

  it('escapes exactly &, < and > so that an event cannot ping a channel or forge a link', async () => {
    assert.equal(
      escapeSlack('a & b <!channel> <https://x|y> "q" \'s\''),
      'a &amp; b &lt;!channel&gt; &lt;https://x|y&gt; "q" \'s\'',
    );
    const url = slack.webhookUrl();
    const message = contractMessage({ url });
    const hostile = { ...message, application: { id: 'web', name: '<!channel> & <@U123>' } };
    assert.deepEqual(report(await channel.send(hostile, { signal, now: later() })).outcome, { status: 'sent' });
    const body = JSON.stringify(slack.posted.at(-1)!.body);
    assert.ok(!body.includes('<!channel>') && !body.includes('<@U123>'), body);
  });

  it('is checked by a receiver that refuses what Slack refuses (so the escaping test can fail)', () => {
    assert.equal(validateSlackBody('{"text":"a <b"}'), 'invalid_payload');
    assert.equal(validateSlackBody('{"text":"a & b"}'), 'invalid_payload');
    assert.equal(validateSlackBody('{"blocks":[]}'), 'no_text');
    assert.equal(validateSlackBody('not json'), 'invalid_payload');
    assert.equal(validateSlackBody('{"text":"ok <!here> &amp; <https://x.test|x>"}'), null);
  });

  const tokens: [string, number, 'gone' | 'failed' | 'retry'][] = [
    ['no_service', 404, 'gone'],
    ['channel_not_found', 404, 'gone'],
    ['channel_is_archived', 410, 'gone'],
    ['team_disabled', 403, 'gone'],
    ['invalid_payload', 400, 'failed'],
    ['invalid_token', 403, 'failed'],
    ['action_prohibited', 403, 'failed'],
    ['user_not_found', 400, 'failed'],
    ['rollup_error', 500, 'retry'],
  ];
  for (const [token, status, outcome] of tokens) {
    it(`reads ${status} ${token} as ${outcome}`, async () => {
      const url = slack.webhookUrl();
      slack.answerNext(token, status, url);
      const result = report(await channel.send(contractMessage({ url }), { signal, now: later() }));
      assert.equal(result.outcome.status, outcome);
      assert.equal(result.statusCode, status);
      assert.match(result.error ?? '', new RegExp(token));
      assert.ok(!JSON.stringify(result).includes(new URL(url).pathname));
    });
  }

  it('is sent only on 200 ok: a 200 with another body is failed', async () => {
    const url = slack.webhookUrl();
    slack.answerNext('<html>welcome</html>', 200, url);
    const result = report(await channel.send(contractMessage({ url }), { signal, now: later() }));
    assert.equal(result.outcome.status, 'failed');
    assert.match(result.error ?? '', /without Slack's "ok"/);
  });

  it('redacts the webhook path from an answer that echoes it', async () => {
    const url = slack.webhookUrl();
    slack.answerNext(`no_service for ${new URL(url).pathname}`, 404, url);
    const result = report(await channel.send(contractMessage({ url }), { signal, now: later() }));
    assert.match(result.responseExcerpt ?? '', /\[redacted\]/);
    assert.ok(!JSON.stringify(result).includes(new URL(url).pathname.split('/').at(-1)!));
  });

  it('sends at most one message a second per URL: early sends get successive seconds, and go when they come back', async () => {
    const url = slack.webhookUrl();
    const other = slack.webhookUrl();
    const t0 = later();
    assert.deepEqual(report(await channel.send(contractMessage({ url }), { signal, now: t0 })).outcome, {
      status: 'sent',
    });
    const [second, third] = [contractMessage({ url }), contractMessage({ url })];
    const early = await channel.send(second, { signal, now: t0 + 300 });
    assert.ok(isDeferral(early));
    assert.equal(early.deferredUntil, t0 + 1000);
    assert.ok(!early.reason.includes(url));
    // The next early send queues behind it rather than taking the same second.
    const later2 = await channel.send(third, { signal, now: t0 + 300 });
    assert.ok(isDeferral(later2));
    assert.equal(later2.deferredUntil, t0 + 2000);
    // Another URL has its own pace.
    assert.deepEqual(report(await channel.send(contractMessage({ url: other }), { signal, now: t0 + 300 })).outcome, {
      status: 'sent',
    });
    // Each comes back at its second and goes; the third is not let through at the second's time.
    assert.ok(isDeferral(await channel.send(third, { signal, now: t0 + 1000 })));
    assert.deepEqual(report(await channel.send(second, { signal, now: t0 + 1000 })).outcome, { status: 'sent' });
    assert.deepEqual(report(await channel.send(third, { signal, now: t0 + 2000 })).outcome, { status: 'sent' });
    assert.equal(slack.requestsTo(url).length, 3, 'the deferred sends made no request');
  });

  it('honours a 429 Retry-After: the attempt retries then, and other sends to that URL defer until then', async () => {
    const url = slack.webhookUrl();
    const other = slack.webhookUrl();
    slack.rateLimit(url, 7);
    const t0 = later();
    const limited = report(await channel.send(contractMessage({ url }), { signal, now: t0 }));
    assert.deepEqual(limited.outcome, { status: 'retry', retryAfterMs: 7000 });
    assert.equal(limited.statusCode, 429);
    const waiting = contractMessage({ url });
    const next = await channel.send(waiting, { signal, now: t0 + 2000 });
    assert.ok(isDeferral(next));
    assert.equal(next.deferredUntil, t0 + 7000);
    assert.equal(slack.requestsTo(url).length, 1, 'nothing hammered the rate-limited URL');
    assert.deepEqual(report(await channel.send(contractMessage({ url: other }), { signal, now: t0 + 2000 })).outcome, {
      status: 'sent',
    });
    slack.rateLimit(url, null);
    assert.deepEqual(report(await channel.send(waiting, { signal, now: t0 + 7000 })).outcome, { status: 'sent' });
    // The retried attempt, back at the same time, takes the next second.
    const retried = await channel.send(contractMessage({ url }), { signal, now: t0 + 7000 });
    assert.ok(isDeferral(retried));
    assert.equal(retried.deferredUntil, t0 + 8000);
  });

  it('fails without sending when the settings have no usable URL', async () => {
    for (const settings of [{}, { url: 'not a url' }, { url: 'ftp://x.test/a' }]) {
      const result = report(await channel.send(contractMessage(settings), { signal, now: later() }));
      assert.equal(result.outcome.status, 'failed');
      assert.match(result.error ?? '', /slack settings/);
    }
  });
});
