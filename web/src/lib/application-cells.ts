import { PERSONAL_CHANNELS, type PersonalChannel } from '../components/channel-icon.tsx';
import type { Matrix } from '../components/preference-matrix.tsx';

/** A cell set for an application (an override of the account setting). */
export interface ExplicitCell {
  readonly eventType: string;
  readonly channel: PersonalChannel;
  readonly enabled: boolean;
}

/** The cells of an application's matrix set for it; inherited cells are not listed. */
export function explicitCells(matrix: Matrix): ExplicitCell[] {
  const cells: ExplicitCell[] = [];
  for (const row of matrix.data) {
    for (const { id } of PERSONAL_CHANNELS) {
      const cell = row.channels[id];
      if (cell.source === 'application') cells.push({ eventType: row.event_type, channel: id, enabled: cell.enabled });
    }
  }
  return cells;
}

/**
 * The body of `PUT .../applications/{app}/preferences` that leaves exactly these cells set:
 * the API clears every cell the body does not give.
 */
export function matrixBody(cells: readonly ExplicitCell[]): Record<string, Partial<Record<PersonalChannel, boolean>>> {
  const body: Record<string, Partial<Record<PersonalChannel, boolean>>> = {};
  for (const cell of cells) (body[cell.eventType] ??= {})[cell.channel] = cell.enabled;
  return body;
}

/** "E-mail off for job.fail". */
export function describeCell(cell: ExplicitCell): string {
  const label = PERSONAL_CHANNELS.find((c) => c.id === cell.channel)!.label;
  return `${label} ${cell.enabled ? 'on' : 'off'} for ${cell.eventType}`;
}
