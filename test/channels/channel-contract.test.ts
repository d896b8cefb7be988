// The channel contract (test/helpers/channel-contract.ts) for the channels that are not chat
// integrations: webhooks (also end to end, as a hook kind), e-mail, iOS push and Web Push (personal
// channels: the direct part). Each runs against its real local server on 127.0.0.1.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import webpush from 'web-push';
import { ApnsChannel } from '../../src/channels/apns/apns-channel.ts';
import { EmailChannel } from '../../src/channels/email/email-channel.ts';
import { WebPushChannel } from '../../src/channels/web-push/web-push-channel.ts';
import { WebhookChannel } from '../../src/channels/webhook/webhook-channel.ts';
import { HttpClient } from '../../src/net/http-client.ts';
import { startApnsServer } from '../helpers/apns-server.ts';
import { runChannelContract, type Arrangement } from '../helpers/channel-contract.ts';
import { startHttpReceiver, type ReceiverReply } from '../helpers/http-receiver.ts';
import { TEST_TLS } from '../helpers/push-tls.ts';
import { startSmtpReceiver } from '../helpers/smtp-receiver.ts';
import { startWebPushServer, type WebPushReply } from '../helpers/web-push-server.ts';

/** Long enough past the contract's 1 s send timeout, short enough to keep the suite quick. */
const STALL_MS = 3000;

/** A port that refuses connections: listened on once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const WEBHOOK_TOKEN = 'contract-url-token-5f1c';
const WEBHOOK_SECRET = `whsec_${Buffer.from('contract-signing-secret-0123456789').toString('base64')}`;
const webhookReplies: Record<Arrangement, ReceiverReply> = {
  sent: { status: 200 },
  retry: { status: 503 },
  failed: { status: 503 },
  gone: { status: 410, body: `gone: ${WEBHOOK_TOKEN}` },
  timeout: { status: 200, delayMs: STALL_MS },
};

runChannelContract({
  kind: 'webhook',
  outcomes: ['sent', 'retry', 'gone'],
  async start() {
    let reply = webhookReplies.sent;
    let accepted = 0;
    const receiver = await startHttpReceiver(() => {
      if (reply.status === 200 && reply.delayMs === undefined) accepted += 1;
      return reply;
    });
    const url = `${receiver.url}/hook?token=${WEBHOOK_TOKEN}`;
    return {
      settings: { url, format: 'raw', secrets: [WEBHOOK_SECRET] },
      hookBody: { kind: 'webhook', url },
      secrets: [WEBHOOK_TOKEN, WEBHOOK_SECRET],
      shownInHook: [WEBHOOK_TOKEN],
      arrange(outcome) {
        reply = webhookReplies[outcome];
      },
      accepted: () => accepted,
      close: () => receiver.close(),
    };
  },
  makeChannel: (http, { timeoutMs }) => new WebhookChannel({ http, timeoutMs }),
  unreachable(settings) {
    return { settings: { ...settings, url: `http://127.0.0.1:9/hook?token=${WEBHOOK_TOKEN}` } };
  },
});

const SMTP_PASSWORD = 'contract-smtp-password-77';
const smtpReplies: Record<Arrangement, { code: number; message: string } | undefined> = {
  sent: undefined,
  retry: { code: 451, message: '4.3.0 Try again later' },
  failed: { code: 554, message: '5.7.1 Message refused by policy' },
  gone: { code: 550, message: '5.1.1 No such user' },
  timeout: undefined,
};

{
  let smtpUrl = '';
  runChannelContract({
    kind: 'email',
    endToEnd: false,
    async start() {
      let reject: { code: number; message: string } | undefined;
      const receiver = await startSmtpReceiver({ rejectRecipient: () => reject });
      smtpUrl = receiver.url.replace('smtp://', `smtp://clarion:${SMTP_PASSWORD}@`);
      return {
        settings: {},
        hookBody: {},
        address: 'ann@acme.test',
        secrets: [SMTP_PASSWORD],
        arrange(outcome) {
          reject = smtpReplies[outcome];
        },
        accepted: () => receiver.messages.length,
        close: () => receiver.close(),
      };
    },
    makeChannel: (_http, { timeoutMs }) =>
      new EmailChannel({ smtpUrl, from: 'Clarion <n@clarion.test>', publicUrl: 'https://clarion.test', timeoutMs }),
    unreachable(settings) {
      return {
        settings,
        channel: () =>
          new EmailChannel({
            smtpUrl: `smtp://clarion:${SMTP_PASSWORD}@127.0.0.1:9`,
            from: 'Clarion <n@clarion.test>',
            publicUrl: 'https://clarion.test',
            timeoutMs: 1000,
          }),
      };
    },
    // An SMTP server cannot be told to stall mid-conversation: a socket that never greets does.
    async silent() {
      const sockets = new Set<Socket>();
      const server = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const channel = new EmailChannel({
        smtpUrl: `smtp://clarion:${SMTP_PASSWORD}@127.0.0.1:${port}`,
        from: 'Clarion <n@clarion.test>',
        publicUrl: 'https://clarion.test',
        timeoutMs: 1000,
      });
      return {
        channel,
        settings: {},
        async close() {
          await channel.close();
          for (const socket of sockets) socket.destroy();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  });
}

const DEVICE_TOKEN = 'c0ffee'.repeat(10) + 'abcd';
const apnsReplies: Record<Arrangement, { status: number; reason?: string; delayMs?: number }> = {
  sent: { status: 200 },
  retry: { status: 429, reason: 'TooManyRequests' },
  failed: { status: 400, reason: 'PayloadTooLarge' },
  gone: { status: 410, reason: 'Unregistered' },
  timeout: { status: 200, delayMs: STALL_MS },
};

{
  let server: Awaited<ReturnType<typeof startApnsServer>>;
  const apnsChannel = (url: string, timeoutMs: number) =>
    new ApnsChannel({
      key: server.key,
      keyId: server.keyId,
      teamId: server.teamId,
      topic: server.topic,
      url,
      ca: TEST_TLS.cert,
      timeoutMs,
      alert: () => {},
    });
  runChannelContract({
    kind: 'ios',
    endToEnd: false,
    async start() {
      // The contract moves its clock a minute per send; the server's clock runs ahead so the
      // provider token (issued at the first send) is never "from the future" for it.
      server = await startApnsServer({ now: () => Date.now() + 30 * 60_000 });
      let reply = apnsReplies.sent;
      server.setHandler(() => reply);
      return {
        settings: { token: DEVICE_TOKEN },
        hookBody: {},
        address: 'dev_contract',
        secrets: [DEVICE_TOKEN],
        arrange(outcome) {
          reply = apnsReplies[outcome];
        },
        accepted: () => server.requests.filter((request) => request.status === 200).length,
        close: () => server.close(),
      };
    },
    makeChannel: (_http, { timeoutMs }) => apnsChannel(server.url, timeoutMs),
    unreachable(settings) {
      return { settings, channel: () => apnsChannel('https://127.0.0.1:9', 1000) };
    },
  });
}

const VAPID = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@clarion.test' };
const webPushReplies: Record<Arrangement, WebPushReply> = {
  sent: { status: 201 },
  retry: { status: 503 },
  failed: { status: 413 },
  gone: { status: 410 },
  timeout: { status: 201, delayMs: STALL_MS },
};

{
  const http = new HttpClient({ allowPrivateTargets: true, extraCa: TEST_TLS.cert });
  const webPushChannel = (timeoutMs: number) => new WebPushChannel({ vapid: VAPID, http, timeoutMs, alert: () => {} });
  let endpointSecret = '';
  let port = 9;
  runChannelContract({
    kind: 'browser',
    endToEnd: false,
    async start() {
      const server = await startWebPushServer();
      let reply = webPushReplies.sent;
      server.setHandler(() => reply);
      const subscription = server.subscribe(VAPID.publicKey);
      endpointSecret = new URL(subscription.endpoint).pathname.split('/').pop()!;
      port = await closedPort();
      return {
        settings: { ...subscription },
        hookBody: {},
        address: 'wps_contract',
        secrets: [endpointSecret, subscription.keys.auth],
        arrange(outcome) {
          reply = webPushReplies[outcome];
        },
        accepted: () => server.requests.filter((request) => request.status === 201).length,
        async close() {
          await server.close();
          await http.close();
        },
      };
    },
    makeChannel: (_http, { timeoutMs }) => webPushChannel(timeoutMs),
    unreachable(settings) {
      return { settings: { ...settings, endpoint: `https://127.0.0.1:${port}/push/${endpointSecret}` } };
    },
  });
}
