import { OUTCOME_LABELS, outcomeOf, type Delivery } from '../lib/deliveries.ts';

/** A delivery's state in a word, coloured like its share of the chart (sent, retrying, failed...). */
export function DeliveryStatusBadge({ delivery }: { delivery: Pick<Delivery, 'status' | 'attempts'> }) {
  const outcome = outcomeOf(delivery);
  return (
    <span class={`state state-${outcome}`} data-status={delivery.status}>
      {OUTCOME_LABELS[outcome]}
    </span>
  );
}
