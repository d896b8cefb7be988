import { useId } from 'preact/hooks';
import type { Resource } from '../lib/hooks.ts';

/**
 * Which events a hook covers by where they happen: everything (every application and add-on,
 * and account events), or only events of the applications and add-ons chosen here.
 */
export function ScopePicker({
  mode,
  applications,
  addons,
  allApplications,
  allAddons,
  error,
  onChange,
}: {
  mode: 'all' | 'some';
  applications: readonly string[];
  addons: readonly string[];
  allApplications: readonly Resource[];
  allAddons: readonly Resource[];
  error: string | null | undefined;
  onChange: (change: { mode: 'all' | 'some'; applications: readonly string[]; addons: readonly string[] }) => void;
}) {
  const id = useId();
  const none = allApplications.length === 0 && allAddons.length === 0;
  const list = (
    title: string,
    items: readonly Resource[],
    chosen: readonly string[],
    set: (next: readonly string[]) => void,
  ) => (
    <div class="scope-list">
      <p class="subhead">{title}</p>
      {items.length === 0 ? (
        <p class="hint">None in this organization.</p>
      ) : (
        <ul class="checklist">
          {items.map((item) => (
            <li key={item.id}>
              <label>
                <input
                  type="checkbox"
                  value={item.id}
                  checked={chosen.includes(item.id)}
                  onChange={(event) =>
                    set(
                      event.currentTarget.checked ? [...chosen, item.id] : chosen.filter((other) => other !== item.id),
                    )
                  }
                />{' '}
                {item.name}
              </label>
            </li>
          ))}
        </ul>
      )}
    </div>
  );

  return (
    <fieldset class="scope-picker" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>Applications and add-ons</legend>
      <label class="choice">
        <input
          type="radio"
          name={`${id}-mode`}
          checked={mode === 'all'}
          onChange={() => onChange({ mode: 'all', applications, addons })}
        />
        Everything <span class="hint">every application and add-on, and account events</span>
      </label>
      <label class="choice">
        <input
          type="radio"
          name={`${id}-mode`}
          checked={mode === 'some'}
          disabled={none}
          onChange={() => onChange({ mode: 'some', applications, addons })}
        />
        Only events of these applications and add-ons
        {none && <span class="hint">This organization has no applications or add-ons yet.</span>}
      </label>
      {mode === 'some' && (
        <div class="scope-lists">
          {list('Applications', allApplications, applications, (next) =>
            onChange({ mode, applications: next, addons }),
          )}
          {list('Add-ons', allAddons, addons, (next) => onChange({ mode, applications, addons: next }))}
        </div>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}
