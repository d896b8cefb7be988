import { useId } from 'preact/hooks';
import { eventsSummary, scopeSummary, signingSummary, targetOf } from '../lib/hook-summary.ts';
import {
  DEFAULT_HOOK_NAME,
  isHookKind,
  kindLabel,
  type Catalog,
  type Hook,
  type Resource,
  type TestSendResult,
} from '../lib/hooks.ts';
import { HookKindIcon } from './hook-kind-icon.tsx';
import { TestResult } from './test-result.tsx';

export type TestState =
  { kind: 'sending' } | { kind: 'done'; result: TestSendResult } | { kind: 'refused'; message: string };

export interface HookActions {
  toggle(hook: Hook): void;
  test(hook: Hook): void;
  edit(hook: Hook): void;
  rotate(hook: Hook): void;
  remove(hook: Hook): void;
}

/**
 * One hook of the list: what it is, where it sends, which events, for what, whether it is on;
 * and, for members who may change hooks, its actions. The last test's answer shows under it.
 */
export function HookCard({
  hook,
  catalog,
  applications,
  addons,
  writable,
  saving,
  test,
  actions,
}: {
  hook: Hook;
  catalog: Catalog | undefined;
  applications: readonly Resource[];
  addons: readonly Resource[];
  writable: boolean;
  /** Its enabled switch is being saved. */
  saving: boolean;
  test: TestState | undefined;
  actions: HookActions;
}) {
  const titleId = useId();
  const signing = signingSummary(hook);
  return (
    <article class={`hook-card${hook.enabled ? '' : ' hook-off'}`} data-hook={hook.id} aria-labelledby={titleId}>
      <header class="hook-head">
        <span class={`kind-badge kind-${hook.kind}`}>
          <HookKindIcon kind={hook.kind} />
          {kindLabel(hook.kind)}
        </span>
        <h3 id={titleId}>{hook.name}</h3>
        {hook.name === DEFAULT_HOOK_NAME && <span class="tag">default</span>}
        <button
          type="button"
          role="switch"
          class={`switch switch-${hook.enabled ? 'on' : 'off'}`}
          aria-checked={hook.enabled}
          aria-label={`Enabled: ${hook.name}`}
          disabled={!writable || saving}
          onClick={() => actions.toggle(hook)}
        >
          <span class="switch-track" aria-hidden="true" />
          {hook.enabled ? 'Enabled' : 'Disabled'}
        </button>
      </header>
      {hook.disabled_reason !== null && <p class="disabled-reason">Disabled by Clarion: {hook.disabled_reason}</p>}
      <dl class="hook-facts">
        <dt>Sends to</dt>
        <dd class="hook-target">{targetOf(hook)}</dd>
        <dt>Events</dt>
        <dd class="hook-events">{eventsSummary(hook, catalog)}</dd>
        <dt>Applications and add-ons</dt>
        <dd class="hook-scope">{scopeSummary(hook, applications, addons)}</dd>
        {signing !== null && (
          <>
            <dt>Signing</dt>
            <dd class="hook-signing">{signing}</dd>
          </>
        )}
      </dl>
      {writable && (
        <div class="hook-actions">
          <button type="button" disabled={test?.kind === 'sending'} onClick={() => actions.test(hook)}>
            Send test event
          </button>
          <button type="button" disabled={!isHookKind(hook.kind)} onClick={() => actions.edit(hook)}>
            Edit
          </button>
          {hook.kind === 'webhook' && (
            <button type="button" onClick={() => actions.rotate(hook)}>
              Rotate secret
            </button>
          )}
          <button type="button" class="danger" onClick={() => actions.remove(hook)}>
            Delete
          </button>
        </div>
      )}
      {test !== undefined && <TestResult state={test} />}
    </article>
  );
}
