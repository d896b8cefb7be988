import type { PlannedDelivery } from './route-event.ts';

/**
 * A planned delivery as stored in fanouts.plan: a tuple of channel, hook, user, address and
 * reason. A 10,000-hook plan is one text value of about a megabyte; keys per entry would add a
 * third to it.
 */
type StoredPlanned = readonly [string, string | null, string | null, string | null, string];

export function serializePlan(plan: readonly PlannedDelivery[]): string {
  return JSON.stringify(
    plan.map((planned): StoredPlanned => [
      planned.channel,
      planned.hookId,
      planned.userId,
      planned.address,
      planned.reason,
    ]),
  );
}

export function parsePlan(text: string): PlannedDelivery[] {
  return (JSON.parse(text) as StoredPlanned[]).map(([channel, hookId, userId, address, reason]) => ({
    channel,
    hookId,
    userId,
    address,
    reason,
  }));
}
