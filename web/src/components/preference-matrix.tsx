import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { ChannelIcon, PERSONAL_CHANNELS, type PersonalChannel } from './channel-icon.tsx';
import { StatusLine } from './status.tsx';

export interface Cell {
  readonly enabled: boolean;
  readonly source: 'default' | 'account' | 'application';
}

export interface MatrixRow {
  readonly event_type: string;
  readonly description: string;
  readonly groups: string[];
  readonly receivable: boolean;
  readonly channels: Record<PersonalChannel, Cell>;
}

export interface Matrix {
  readonly application: string | null;
  readonly data: MatrixRow[];
}

export interface Group {
  readonly name: string;
  readonly description: string;
}

const SOURCE_WORDS: Record<Cell['source'], string> = {
  default: 'default',
  account: 'account setting',
  application: 'set for this application',
};

/** Rows under the first of their groups, in catalog order; ungrouped types last. */
function grouped(rows: MatrixRow[], groups: Group[]): { group: Group; rows: MatrixRow[] }[] {
  const sections = groups.map((group) => ({ group, rows: [] as MatrixRow[] }));
  const other = { group: { name: 'other', description: 'Other events' }, rows: [] as MatrixRow[] };
  for (const row of rows) {
    const section = sections.find((s) => s.group.name === row.groups[0]) ?? other;
    section.rows.push(row);
  }
  return [...sections, other].filter((s) => s.rows.length > 0);
}

/**
 * A member's matrix of event types x personal channels. Each cell is a switch: a click (or
 * Space / Enter) saves it at once and the answer, the whole matrix, is what is shown next. A
 * cell nobody set shows its default, dimmed; on an application's page a cell set for the
 * application is marked as overriding the account, with a way back to the account setting, and
 * an inherited one says whether it comes from the account or the default.
 */
export function PreferenceMatrix({
  matrix,
  groups,
  basePath,
  onChange,
}: {
  matrix: Matrix;
  groups: Group[];
  /** `.../members/{user}/preferences` or `.../applications/{app}/preferences`. */
  basePath: string;
  onChange: (matrix: Matrix) => void;
}) {
  const [status, setStatus] = useState<{ message: string; tone: 'ok' | 'error' } | null>(null);
  const [saving, setSaving] = useState<string | null>(null);
  const onApplication = matrix.application !== null;

  /** Sends one cell's change; the answer (the whole matrix) replaces what is shown. */
  const save = async (
    row: MatrixRow,
    channel: PersonalChannel,
    method: 'PUT' | 'DELETE',
    body: { enabled: boolean } | undefined,
    saidOf: (label: string, cell: Cell) => string,
  ) => {
    setSaving(`${row.event_type}/${channel}`);
    try {
      const path = `${basePath}/${encodeURIComponent(row.event_type)}/${channel}`;
      const answer = await api<Matrix>(method, path, body);
      onChange(answer);
      const label = PERSONAL_CHANNELS.find((c) => c.id === channel)!.label;
      const cell = answer.data.find((r) => r.event_type === row.event_type)?.channels[channel] ?? row.channels[channel];
      setStatus({ message: `Saved: ${saidOf(label, cell)}.`, tone: 'ok' });
    } catch (error) {
      setStatus({ message: `Not saved: ${(error as Error).message}`, tone: 'error' });
    } finally {
      setSaving(null);
    }
  };

  const toggle = (row: MatrixRow, channel: PersonalChannel) =>
    save(
      row,
      channel,
      'PUT',
      { enabled: !row.channels[channel].enabled },
      (label, cell) => `${label} for ${row.event_type} is ${cell.enabled ? 'on' : 'off'}`,
    );

  /** Clears an application's cell: it follows the account setting (or the default) again. */
  const revert = (row: MatrixRow, channel: PersonalChannel) =>
    save(
      row,
      channel,
      'DELETE',
      undefined,
      (label, cell) =>
        `${label} for ${row.event_type} follows the account again (${cell.enabled ? 'on' : 'off'}, ${SOURCE_WORDS[cell.source]})`,
    );

  return (
    <div class="matrix">
      <StatusLine message={status?.message ?? null} tone={status?.tone ?? 'ok'} />
      <table>
        <thead>
          <tr>
            <th scope="col">Event</th>
            {PERSONAL_CHANNELS.map((channel) => (
              <th scope="col" key={channel.id} class="channel-column">
                <ChannelIcon channel={channel.id} />
                <span>{channel.label}</span>
              </th>
            ))}
          </tr>
        </thead>
        {grouped(matrix.data, groups).map(({ group, rows }) => (
          <tbody key={group.name}>
            <tr class="group-row">
              <th colSpan={1 + PERSONAL_CHANNELS.length} scope="rowgroup">
                {group.description || group.name}
              </th>
            </tr>
            {rows.map((row) => (
              <tr key={row.event_type} class={row.receivable ? '' : 'not-receivable'} data-type={row.event_type}>
                <th scope="row">
                  <span class="type-name">{row.event_type}</span>
                  <span class="type-description">{row.description}</span>
                  {!row.receivable && <span class="hint">Your role does not receive these events.</span>}
                </th>
                {PERSONAL_CHANNELS.map(({ id, label }) => {
                  const cell = row.channels[id];
                  const overrides = onApplication && cell.source === 'application';
                  const busy = saving === `${row.event_type}/${id}`;
                  return (
                    <td key={id}>
                      <button
                        type="button"
                        role="switch"
                        aria-checked={cell.enabled}
                        class={`cell cell-${cell.enabled ? 'on' : 'off'} source-${cell.source}${overrides ? ' overrides' : ''}`}
                        data-channel={id}
                        disabled={!row.receivable || busy}
                        title={`${label} for ${row.event_type}: ${cell.enabled ? 'on' : 'off'} (${SOURCE_WORDS[cell.source]})`}
                        // On an application's page the name also says where the value comes from.
                        aria-label={`${label} for ${row.event_type}${onApplication ? ` (${SOURCE_WORDS[cell.source]})` : ''}`}
                        onClick={() => void toggle(row, id)}
                      >
                        <ChannelIcon channel={id} />
                        {cell.source === 'default' && <span class="badge">default</span>}
                        {onApplication && cell.source === 'account' && <span class="badge">account</span>}
                        {overrides && <span class="badge">override</span>}
                      </button>
                      {overrides && (
                        <button
                          type="button"
                          class="link revert"
                          data-revert={id}
                          disabled={busy}
                          aria-label={`${label} for ${row.event_type}: back to the account setting`}
                          title="Back to the account setting"
                          onClick={() => void revert(row, id)}
                        >
                          use account
                        </button>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}
