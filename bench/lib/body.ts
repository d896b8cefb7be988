/**
 * The one payload every scenario sends: a `POST /v1/events` body of exactly 1 KiB, and the
 * webhook body Clarion renders from it (the `raw` format: data plus event_type and timestamp),
 * which the ceilings and the BullMQ peer send as well, so every sender moves the same bytes.
 */
export const EVENT_BYTES = 1024;
export const ORG = 'bench';
/** An account event outside "deployment-results": the default e-mail hook never matches it. */
export const EVENT_TYPE = 'account.deploy.started';

function padded(build: (padding: string) => string, bytes: number): string {
  const bare = Buffer.byteLength(build(''));
  return build('x'.repeat(Math.max(0, bytes - bare)));
}

/** The event's data: the resource as a platform would send it, padded to make the body 1 KiB. */
function eventJson(organization: string, padding: string): string {
  return JSON.stringify({
    type: EVENT_TYPE,
    organization,
    data: { uid: 'bench-account', status: 'started', actor: 'bench@example.test', message: padding },
  });
}

/** The 1 KiB event for `organization` (no id: Clarion assigns one, so every POST is a new event). */
export function eventBody(organization: string = ORG): Buffer {
  const text = padded((padding) => eventJson(organization, padding), EVENT_BYTES);
  const body = Buffer.from(text);
  if (body.length !== EVENT_BYTES) throw new Error(`event body is ${body.length} bytes, not ${EVENT_BYTES}`);
  return body;
}

/** What Clarion POSTs to a receiver for eventBody(): the same data plus event_type and timestamp. */
export function webhookBody(): Buffer {
  const { data } = JSON.parse(eventBody().toString()) as { data: Record<string, unknown> };
  return Buffer.from(JSON.stringify({ ...data, event_type: EVENT_TYPE, timestamp: Math.floor(Date.now() / 1000) }));
}

/** Headers shaped like Clarion's (a signature-sized value included), for the senders that stand in for it. */
export function webhookHeaders(deliveryId: string, eventId: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Clarion-Bench/0.1',
    'webhook-id': deliveryId,
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': `v1,${'A'.repeat(43)}=`,
    'clarion-event-id': eventId,
  };
}
