import { enc } from '../lib/api.ts';
import { channelLabel, type Delivery } from '../lib/deliveries.ts';
import type { Hook } from '../lib/hooks.ts';
import { formatTime } from '../lib/format.ts';
import { DeliveryStatusBadge } from './delivery-status.tsx';

/** Who a delivery is for, in words: the hook's name, or the member (and their e-mail address). */
export function recipientOf(
  delivery: Pick<Delivery, 'hook' | 'user' | 'address' | 'channel'>,
  hooks: ReadonlyMap<string, Hook>,
): string {
  const email = delivery.channel === 'email' ? delivery.address : null;
  if (delivery.hook !== null) {
    const name = hooks.get(delivery.hook)?.name ?? delivery.hook;
    // An e-mail hook writes to several addresses: one delivery each.
    return email === null ? `Hook “${name}”` : `${email} (hook “${name}”)`;
  }
  // Push channels' addresses are device or subscription ids: the member says more.
  if (delivery.user !== null) return email === null ? `Member ${delivery.user}` : `${email} (member ${delivery.user})`;
  return email ?? '—';
}

/**
 * Deliveries, newest first. Each row opens the delivery (its attempts and event); `back` is the
 * log's query, so the detail page links back to the same filtered view.
 */
export function DeliveryTable({
  org,
  deliveries,
  hooks,
  back,
}: {
  org: string;
  deliveries: readonly Delivery[];
  hooks: ReadonlyMap<string, Hook>;
  back: string;
}) {
  const detail = (id: string) =>
    `/organizations/${enc(org)}/deliveries/${enc(id)}${back === '' ? '' : `?back=${enc(back)}`}`;
  return (
    <table class="deliveries">
      <thead>
        <tr>
          <th scope="col">Created</th>
          <th scope="col">Event</th>
          <th scope="col">Recipient</th>
          <th scope="col">Channel</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last answer</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((delivery) => (
          <tr key={delivery.id} data-delivery={delivery.id}>
            <td>
              <a href={detail(delivery.id)} title="Open this delivery: its attempts and its event">
                {formatTime(delivery.created_at)}
              </a>
            </td>
            <td>
              <span class="type-name">{delivery.event.type}</span>
              {delivery.application !== null && <span class="hint">{delivery.application}</span>}
            </td>
            <td>{recipientOf(delivery, hooks)}</td>
            <td>{channelLabel(delivery.channel)}</td>
            <td>
              <DeliveryStatusBadge delivery={delivery} />
            </td>
            <td class="number">{delivery.attempts}</td>
            <td class="last-answer">
              {delivery.last_status_code !== null && <span class="code">{delivery.last_status_code}</span>}{' '}
              {delivery.last_error ?? ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
