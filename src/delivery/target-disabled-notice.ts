import type { EventInput } from '../ingest/event-input.ts';
import type { DisabledHook } from '../store/delivery-queue.ts';

/**
 * The `notification.target.disabled` event telling an organization that Clarion disabled one of
 * its hooks (its target answered that it is gone). It is an account event of the organization and
 * routes by the normal rules to its other hooks and members; the disabled hook is already disabled
 * when it is routed, so it never receives it. The id is derived from the hook and the time it was
 * disabled, so storing it twice for one disabling would be a duplicate, not a second event. The
 * data names the hook and why; never its settings (URLs and tokens are secrets).
 */
export function targetDisabledEvent(hook: DisabledHook): EventInput {
  return {
    id: `clarion.target-disabled.${hook.id}.${hook.disabledAt}`,
    type: 'notification.target.disabled',
    organization: hook.organization_id,
    occurred_at: new Date(hook.disabledAt).toISOString(),
    data: {
      target: { type: 'hook', id: hook.id, kind: hook.kind, name: hook.name },
      reason: hook.reason,
      disabled_at: new Date(hook.disabledAt).toISOString(),
      how_to_enable: `PATCH /v1/organizations/${hook.organization_id}/hooks/${hook.id} with {"enabled": true}`,
    },
  };
}
