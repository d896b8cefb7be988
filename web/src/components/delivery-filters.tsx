import { useEffect, useState } from 'preact/hooks';
import { CHANNELS } from '../lib/deliveries.ts';
import type { Hook } from '../lib/hooks.ts';
import { fromLocalInput, toLocalInput } from '../lib/format.ts';
import { RANGE_PRESETS, type LogFilters } from '../lib/log-filters.ts';

const STATUSES = [
  { id: 'sent', label: 'Sent' },
  { id: 'pending', label: 'Pending (queued or retrying)' },
  { id: 'sending', label: 'Sending' },
  { id: 'failed', label: 'Failed' },
  { id: 'gone', label: 'Gone' },
  { id: 'cancelled', label: 'Cancelled' },
];

interface Choice {
  readonly id: string;
  readonly label: string;
}

function Select({
  label,
  name,
  value,
  choices,
  anyLabel,
  onChange,
}: {
  label: string;
  name: string;
  value: string;
  choices: readonly Choice[];
  anyLabel: string;
  onChange: (value: string) => void;
}) {
  // A value from a shared URL that the lists do not know (a deleted hook) is still shown.
  const known = value === '' || choices.some((choice) => choice.id === value);
  const id = `filter-${name}`;
  return (
    <div class="filter">
      <label for={id}>{label}</label>
      <select
        id={id}
        name={name}
        value={value}
        onChange={(event) => onChange((event.target as HTMLSelectElement).value)}
      >
        <option value="">{anyLabel}</option>
        {!known && <option value={value}>{value}</option>}
        {choices.map((choice) => (
          <option key={choice.id} value={choice.id}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * The custom range: two local date-times, checked as they are typed; the range is applied only
 * once both are times and the end comes after the start.
 */
function CustomRange({ filters, onChange }: { filters: LogFilters; onChange: (next: LogFilters) => void }) {
  const [since, setSince] = useState(filters.since === '' ? '' : toLocalInput(filters.since));
  const [until, setUntil] = useState(filters.until === '' ? '' : toLocalInput(filters.until));
  useEffect(() => {
    setSince(filters.since === '' ? '' : toLocalInput(filters.since));
    setUntil(filters.until === '' ? '' : toLocalInput(filters.until));
  }, [filters.since, filters.until]);

  const sinceIso = fromLocalInput(since);
  const untilIso = fromLocalInput(until);
  const sinceError = sinceIso === null ? 'Enter the start date and time.' : null;
  const untilError =
    untilIso === null
      ? 'Enter the end date and time.'
      : sinceIso !== null && Date.parse(untilIso) <= Date.parse(sinceIso)
        ? 'The end must come after the start.'
        : null;
  const apply = (nextSince: string, nextUntil: string) => {
    const a = fromLocalInput(nextSince);
    const b = fromLocalInput(nextUntil);
    if (a !== null && b !== null && Date.parse(b) > Date.parse(a)) {
      onChange({ ...filters, range: 'custom', since: a, until: b });
    }
  };
  return (
    <div class="custom-range">
      <div class="filter">
        <label for="filter-since">From</label>
        <input
          id="filter-since"
          type="datetime-local"
          name="since"
          value={since}
          aria-invalid={sinceError !== null}
          aria-describedby="since-error"
          onInput={(event) => setSince((event.target as HTMLInputElement).value)}
          onChange={(event) => apply((event.target as HTMLInputElement).value, until)}
        />
        <span id="since-error" class="field-error">
          {sinceError ?? ''}
        </span>
      </div>
      <div class="filter">
        <label for="filter-until">To</label>
        <input
          id="filter-until"
          type="datetime-local"
          name="until"
          value={until}
          aria-invalid={untilError !== null}
          aria-describedby="until-error"
          onInput={(event) => setUntil((event.target as HTMLInputElement).value)}
          onChange={(event) => apply(since, (event.target as HTMLInputElement).value)}
        />
        <span id="until-error" class="field-error">
          {untilError ?? ''}
        </span>
      </div>
    </div>
  );
}

/** The delivery log's filters; each change is applied at once (and lands in the URL). */
export function DeliveryFilters({
  filters,
  eventTypes,
  hooks,
  applications,
  onChange,
}: {
  filters: LogFilters;
  eventTypes: readonly string[];
  hooks: readonly Hook[];
  applications: readonly { id: string; name: string }[];
  onChange: (next: LogFilters) => void;
}) {
  const set = (field: keyof LogFilters) => (value: string) => onChange({ ...filters, [field]: value });
  const custom = filters.range === 'custom';
  return (
    <form class="filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
      <Select
        label="Event type"
        name="type"
        value={filters.type}
        anyLabel="All event types"
        choices={eventTypes.map((type) => ({ id: type, label: type }))}
        onChange={set('type')}
      />
      <Select
        label="Channel"
        name="channel"
        value={filters.channel}
        anyLabel="All channels"
        choices={CHANNELS}
        onChange={set('channel')}
      />
      <Select
        label="Hook"
        name="hook"
        value={filters.hook}
        anyLabel="All hooks"
        choices={hooks.map((hook) => ({ id: hook.id, label: hook.name }))}
        onChange={set('hook')}
      />
      <Select
        label="Application"
        name="application"
        value={filters.application}
        anyLabel="All applications"
        choices={applications.map((app) => ({ id: app.id, label: app.name }))}
        onChange={set('application')}
      />
      <Select
        label="Status"
        name="status"
        value={filters.status}
        anyLabel="Any status"
        choices={STATUSES}
        onChange={set('status')}
      />
      <div class="filter">
        <label for="filter-range">Time</label>
        <select
          id="filter-range"
          name="range"
          value={filters.range}
          onChange={(event) => {
            const range = (event.target as HTMLSelectElement).value as LogFilters['range'];
            if (range !== 'custom') onChange({ ...filters, range, since: '', until: '' });
            else {
              // Start the custom range from the last day, to the minute.
              const until = Math.ceil(Date.now() / 60_000) * 60_000;
              const since = until - 86_400_000;
              onChange({
                ...filters,
                range,
                since: new Date(since).toISOString(),
                until: new Date(until).toISOString(),
              });
            }
          }}
        >
          {RANGE_PRESETS.map((preset) => (
            <option key={preset.id} value={preset.id}>
              {preset.label}
            </option>
          ))}
          <option value="custom">Custom range…</option>
        </select>
      </div>
      {custom && <CustomRange filters={filters} onChange={onChange} />}
    </form>
  );
}
