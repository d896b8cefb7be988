import { useId } from 'preact/hooks';
import type { EventGroupInfo, EventTypeInfo } from '../lib/hooks.ts';

/**
 * Which events a hook sends: all of them, or chosen groups and types of the catalog (the Clever
 * Cloud panel's "Only send notification for these events"). A chosen group covers its types,
 * those added to it later included, so they show as chosen through it.
 */
export function EventFilterPicker({
  mode,
  chosen,
  types,
  groups,
  error,
  onChange,
}: {
  mode: 'all' | 'some';
  chosen: readonly string[];
  types: readonly EventTypeInfo[];
  groups: readonly EventGroupInfo[];
  error: string | null | undefined;
  onChange: (mode: 'all' | 'some', chosen: readonly string[]) => void;
}) {
  const id = useId();
  const has = (entry: string) => chosen.includes(entry);
  const flip = (entry: string, on: boolean) =>
    onChange('some', on ? [...chosen, entry] : chosen.filter((other) => other !== entry));
  const coveringGroup = (type: EventTypeInfo) => type.groups.find((group) => has(`group:${group}`));
  // Types under the first of their groups, as the catalog orders them; ungrouped ones last.
  const sections = [...groups, { name: '', description: 'Other events' }]
    .map((group) => ({
      group,
      types: types.filter((type) => (type.groups[0] ?? '') === group.name),
    }))
    .filter((section) => section.types.length > 0);

  return (
    <fieldset class="events-picker" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>Events</legend>
      <label class="choice">
        <input type="radio" name={`${id}-mode`} checked={mode === 'all'} onChange={() => onChange('all', chosen)} />
        All events <span class="hint">including types added to the catalog later</span>
      </label>
      <label class="choice">
        <input type="radio" name={`${id}-mode`} checked={mode === 'some'} onChange={() => onChange('some', chosen)} />
        Only these events
      </label>
      {mode === 'some' && (
        <div class="event-choices">
          <p class="subhead">Whole groups</p>
          <ul class="checklist">
            {groups.map((group) => (
              <li key={group.name}>
                <label>
                  <input
                    type="checkbox"
                    value={`group:${group.name}`}
                    checked={has(`group:${group.name}`)}
                    onChange={(event) => flip(`group:${group.name}`, event.currentTarget.checked)}
                  />{' '}
                  {group.description || group.name} <span class="type-name-inline">group:{group.name}</span>
                </label>
              </li>
            ))}
          </ul>
          {sections.map(({ group, types: members }) => (
            <div key={group.name} class="event-section">
              <p class="subhead">{group.description || group.name}</p>
              <ul class="checklist">
                {members.map((type) => {
                  const via = has(type.name) ? undefined : coveringGroup(type);
                  return (
                    <li key={type.name}>
                      <label>
                        <input
                          type="checkbox"
                          value={type.name}
                          checked={has(type.name) || via !== undefined}
                          disabled={via !== undefined}
                          onChange={(event) => flip(type.name, event.currentTarget.checked)}
                        />{' '}
                        <span class="type-name-inline">{type.name}</span> {type.description}
                        {via !== undefined && <span class="hint-inline"> (through group {via})</span>}
                      </label>
                    </li>
                  );
                })}
              </ul>
            </div>
          ))}
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
