// node:test's describe() and it() return promises that the runner itself awaits; the rule cannot tell.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { Severity } from '../../catalog/event-type.ts';
import type { ChannelMessage } from '../channel.ts';
import { HttpClient } from '../../net/http-client.ts';
import { startHttpReceiver } from '../../../test/helpers/http-receiver.ts';
import type { HttpReceiver, ReceivedRequest, ReceiverReply } from '../../../test/helpers/http-receiver.ts';
import { WEBHOOK_BODY_FORMATS } from '../../hooks/hook-kinds.ts';
import { escapeHtml, flowdockActivity } from './formats/flowdock-body.ts';
import { escapeSlack, slackMessage } from './formats/slack-body.ts';
import { standardPayload } from './formats/standard-body.ts';
import { WebhookChannel } from './webhook-channel.ts';
import { WEBHOOK_FORMATS, renderWebhookBody } from './webhook-format.ts';
import { generateWebhookSecret } from './webhook-signature.ts';

const OCCURRED_AT = Date.UTC(2026, 2, 14, 9, 30, 15, 789);

function content(
  overrides: { severity?: Severity; data?: Record<string, unknown>; appName?: string | null } = {},
): Pick<ChannelMessage, 'event' | 'eventType' | 'organization' | 'application'> {
  const appName = overrides.appName === undefined ? 'Shop' : overrides.appName;
  return {
    event: {
      id: 'evt-42',
      seq: 1234,
      type: 'stack.redeploy.fail',
      organizationId: 'org_acme',
      applicationId: appName === null ? null : 'app_shop',
      addonId: null,
      occurredAt: OCCURRED_AT,
      data: overrides.data ?? { uid: 'stk-9', name: 'shop', status: 2, nested: { commit: 'abc123' } },
    },
    eventType: {
      name: 'stack.redeploy.fail',
      description: 'Stack redeploy failed',
      scopes: ['application'],
      groups: ['deployment'],
      defaultChannels: { email: true, browser: false, ios: false },
      severity: overrides.severity ?? 'fail',
      builtin: true,
    },
    organization: { id: 'org_acme', name: 'Acme' },
    application: appName === null ? null : { id: 'app_shop', name: appName },
  };
}

/** Every mrkdwn/plain text object in a Slack message, wherever it sits. */
function slackTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(slackTexts);
  if (value === null || typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  const own = (object['type'] === 'mrkdwn' || object['type'] === 'plain_text') && typeof object['text'] === 'string';
  return [...(own ? [object['text'] as string] : []), ...Object.values(object).flatMap(slackTexts)];
}

/**
 * Answers as Slack's incoming webhooks do: 200 `ok` for a body Slack would post, else 400
 * `invalid_payload` or `no_text` (docs/channels.md section 1).
 */
function slackLike(request: ReceivedRequest): ReceiverReply {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(request.body) as Record<string, unknown>;
  } catch {
    return { status: 400, body: 'invalid_payload' };
  }
  if (typeof body['text'] !== 'string' || body['text'] === '') return { status: 400, body: 'no_text' };
  const texts = slackTexts(body);
  // Text objects hold 1 to 3000 characters, and a `<` or `>` may only open a control sequence.
  if (texts.some((text) => text.length < 1 || text.length > 3000 || /[<>]/.test(text))) {
    return { status: 400, body: 'invalid_payload' };
  }
  const attachments = body['attachments'];
  if (!Array.isArray(attachments) || attachments.length > 100) return { status: 400, body: 'invalid_payload' };
  return { status: 200, body: 'ok' };
}

const FLOWDOCK_COLORS = ['red', 'green', 'yellow', 'cyan', 'orange', 'grey', 'black', 'lime', 'purple', 'blue'];

/** Answers as Flowdock's Messages API did: 200 `{}`, or 400 with its validation error shape. */
function flowdockLike(request: ReceivedRequest): ReceiverReply {
  const body = JSON.parse(request.body) as Record<string, any>;
  const errors: Record<string, string[]> = {};
  if (body['event'] !== 'activity') errors['event'] = ['is not included in the list'];
  if (typeof body['title'] !== 'string' || body['title'] === '') errors['title'] = ["can't be blank"];
  if (typeof body['author']?.name !== 'string') errors['author'] = ["name can't be blank"];
  if (typeof body['external_thread_id'] !== 'string') errors['external_thread_id'] = ["can't be blank"];
  if (!FLOWDOCK_COLORS.includes(body['thread']?.status?.color)) errors['thread'] = ['status color is invalid'];
  // Only `a` tags are allowed in titles and field values.
  const html = [body['title'], ...((body['thread']?.fields ?? []) as { value: string }[]).map((f) => f.value)];
  if (html.some((text) => typeof text === 'string' && /<(?!\/?a[\s>])/.test(text))) errors['title'] = ['bad html'];
  return Object.keys(errors).length === 0
    ? { status: 200, body: '{}', headers: { 'content-type': 'application/json' } }
    : { status: 400, body: JSON.stringify({ message: 'Validation error', errors }) };
}

function headersOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])),
  );
}

describe('webhook formats', () => {
  it('the API accepts exactly the formats the channel renders', () => {
    assert.deepEqual([...WEBHOOK_BODY_FORMATS], [...WEBHOOK_FORMATS]);
    assert.deepEqual([...WEBHOOK_FORMATS].sort(), ['flowdock', 'raw', 'slack', 'standard']);
  });

  describe('slack', () => {
    it('has a text fallback, a bold headline block and a coloured attachment with the fields', () => {
      const message = slackMessage(content());
      assert.equal(message.text, 'Stack redeploy failed: Shop (Acme)');
      assert.deepEqual(message.blocks, [
        { type: 'section', text: { type: 'mrkdwn', text: '*Stack redeploy failed: Shop (Acme)*' } },
      ]);
      assert.equal(message.attachments.length, 1);
      const [attachment] = message.attachments;
      assert.equal(attachment!.color, 'danger');
      assert.equal(attachment!.fallback, message.text);
      const fields = slackTexts(attachment!.blocks[0]);
      assert.deepEqual(fields, [
        '*Organization*\nAcme',
        '*Application*\nShop',
        '*Event*\nstack.redeploy.fail',
        '*Occurred at*\n2026-03-14T09:30:15.789Z',
        '*uid*\nstk-9',
        '*name*\nshop',
        '*status*\n2',
      ]);
    });

    for (const [severity, color] of [
      ['ok', 'good'],
      ['fail', 'danger'],
      ['warning', 'warning'],
      ['info', '#439FE0'],
    ] as const) {
      it(`colours a ${severity} event ${color}`, () => {
        assert.equal(slackMessage(content({ severity })).attachments[0]!.color, color);
      });
    }

    it('escapes exactly &, < and > so data can neither mention nor link', () => {
      assert.equal(
        escapeSlack(`<!channel> & <@U123> "quoted" 'single' *bold*`),
        `&lt;!channel&gt; &amp; &lt;@U123&gt; "quoted" 'single' *bold*`,
      );
      const message = slackMessage(content({ appName: '<!here> A&B', data: { note: '<https://evil.test|click>' } }));
      assert.equal(message.text, 'Stack redeploy failed: &lt;!here&gt; A&amp;B (Acme)');
      for (const text of slackTexts(message)) assert.doesNotMatch(text, /[<>]|&(?!amp;|lt;|gt;)/);
      assert.ok(slackTexts(message).includes('*note*\n&lt;https://evil.test|click&gt;'));
    });

    it('keeps every text within 3000 characters without cutting an entity in half', () => {
      const message = slackMessage(content({ appName: '&'.repeat(5000) }));
      for (const text of slackTexts(message)) {
        assert.ok(text.length <= 3000, `${text.length} characters`);
        assert.doesNotMatch(text.replace(/…\*?$/, ''), /&[a-z]*$/);
      }
    });

    it('shows at most six scalar fields of the data, leaving nested values out', () => {
      const data = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i]));
      const fields = slackTexts(slackMessage(content({ data: { deep: { a: 1 }, list: [1], ...data } })).attachments);
      assert.equal(fields.filter((text) => /^\*k\d+\*/.test(text)).length, 6);
      assert.ok(!fields.some((text) => text.startsWith('*deep*') || text.startsWith('*list*')));
    });
  });

  describe('flowdock', () => {
    it('is an activity with title, author, a thread per application, status colour and fields', () => {
      const body = flowdockActivity(content());
      assert.equal(body.event, 'activity');
      assert.equal(body.title, 'Stack redeploy failed: Shop (Acme)');
      assert.deepEqual(body.author, { name: 'Clarion' });
      assert.equal(body.external_thread_id, 'clarion:org_acme:app_shop');
      assert.equal(body.thread.title, 'Shop (Acme)');
      assert.deepEqual(body.thread.status, { color: 'red', value: 'failed' });
      assert.deepEqual(body.thread.fields.slice(0, 3), [
        { label: 'Organization', value: 'Acme' },
        { label: 'Application', value: 'Shop' },
        { label: 'Event', value: 'stack.redeploy.fail' },
      ]);
      assert.equal(body.uuid, 'evt-42');
      assert.ok(!('flow_token' in body));
    });

    it('threads account events per organization', () => {
      assert.equal(flowdockActivity(content({ appName: null })).external_thread_id, 'clarion:org_acme');
    });

    for (const [severity, color] of [
      ['ok', 'green'],
      ['fail', 'red'],
      ['warning', 'orange'],
      ['info', 'blue'],
    ] as const) {
      it(`gives a ${severity} event the ${color} status`, () => {
        assert.equal(flowdockActivity(content({ severity })).thread.status.color, color);
      });
    }

    it('escapes HTML in the title and fields, since only a tags are allowed', () => {
      assert.equal(escapeHtml(`<b>"x" & 'y'</b>`), '&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;');
      const body = flowdockActivity(content({ appName: '<script>', data: { note: '<img src=x>' } }));
      assert.equal(body.title, 'Stack redeploy failed: &lt;script&gt; (Acme)');
      assert.ok(body.thread.fields.some((field) => field.value === '&lt;img src=x&gt;'));
    });
  });

  describe('standard', () => {
    it('is the envelope {type, timestamp in RFC 3339, data} with the data untouched', () => {
      const data = { uid: 'stk-9', nested: { commit: 'abc123' }, list: [1, 2] };
      assert.deepEqual(standardPayload(content({ data }).event), {
        type: 'stack.redeploy.fail',
        timestamp: '2026-03-14T09:30:15.789Z',
        data,
      });
    });
  });

  it('renders each format once per event object and the same for every hook', () => {
    const shared = content();
    for (const format of WEBHOOK_FORMATS) {
      const first = renderWebhookBody(format, shared);
      assert.equal(renderWebhookBody(format, { ...shared }), first);
      assert.equal(renderWebhookBody(format, content()), first, `${format} is not pure`);
    }
  });

  describe('on the wire', () => {
    let http: HttpClient;
    let channel: WebhookChannel;
    const receivers: HttpReceiver[] = [];

    before(() => {
      http = new HttpClient({ allowPrivateTargets: true });
      channel = new WebhookChannel({ http, timeoutMs: 2_000 });
    });

    after(async () => {
      await Promise.all(receivers.map((r) => r.close()));
      await http.close();
    });

    const receivingAs: Record<(typeof WEBHOOK_FORMATS)[number], (request: ReceivedRequest) => ReceiverReply> = {
      raw: () => ({ status: 204 }),
      slack: slackLike,
      flowdock: flowdockLike,
      standard: (request) => {
        const body = JSON.parse(request.body) as Record<string, unknown>;
        const ok = typeof body['type'] === 'string' && typeof body['timestamp'] === 'string' && 'data' in body;
        return { status: ok ? 204 : 400 };
      },
    };

    for (const format of WEBHOOK_FORMATS) {
      it(`sends the ${format} format signed, verified by standardwebhooks and accepted by a ${format} receiver`, async () => {
        const secret = generateWebhookSecret();
        const target = await startHttpReceiver((request) => {
          // Throws (the receiver answers 500) when the signature does not verify.
          new Webhook(secret).verify(request.body, headersOf(request));
          return receivingAs[format](request);
        });
        receivers.push(target);
        const report = await channel.send(
          {
            ...content(),
            deliveryId: 'dlv_formats',
            attempt: 1,
            address: null,
            settings: { url: `${target.url}/in`, format, secrets: [secret] },
          },
          { signal: new AbortController().signal, now: Date.now() },
        );

        assert.deepEqual(report.outcome, { status: 'sent' }, report.responseExcerpt);
        const [request] = await target.waitFor(1);
        assert.equal(request!.body, renderWebhookBody(format, content()));
        assert.equal(request!.headers['content-type'], 'application/json');
      });
    }
  });
});
