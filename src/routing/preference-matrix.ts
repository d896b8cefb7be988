import type { EventType, PersonalChannel } from '../catalog/event-type.ts';

/** Where a cell's value comes from: the catalog, the member's account level, or an application. */
export type CellSource = 'default' | 'account' | 'application';

export interface ResolvedCell {
  readonly enabled: boolean;
  readonly source: CellSource;
  /** The application whose override decided, when `source` is `application`. */
  readonly applicationId?: string;
}

/** A cell a member set: `applicationId` is null at the account level. */
export interface PreferenceCell {
  readonly applicationId: string | null;
  readonly eventType: string;
  readonly channel: string;
  readonly enabled: boolean;
}

/** A cell as stored: '' is the account level (see the preferences table). */
export const ACCOUNT_LEVEL = '';

/**
 * One member's preference matrix in one organization (product.md section 3): an application
 * cell overrides the account cell for that application only; an account cell overrides the
 * catalog default; a cell never touched takes the next level's value.
 */
export class PreferenceMatrix {
  private readonly cells = new Map<string, boolean>();

  constructor(cells: Iterable<PreferenceCell> = []) {
    for (const cell of cells) this.cells.set(key(cell.applicationId, cell.eventType, cell.channel), cell.enabled);
  }

  /** The value that applies to an event of `type` on `channel`, for an application or the account. */
  resolve(type: EventType, channel: PersonalChannel, applicationId: string | null): ResolvedCell {
    return (
      this.explicit(type.name, channel, applicationId) ?? { enabled: type.defaultChannels[channel], source: 'default' }
    );
  }

  /** The member's own setting for the cell (application, else account level), if they set one. */
  explicit(typeName: string, channel: string, applicationId: string | null): ResolvedCell | undefined {
    if (applicationId !== null) {
      const own = this.cells.get(key(applicationId, typeName, channel));
      if (own !== undefined) return { enabled: own, source: 'application', applicationId };
    }
    const account = this.cells.get(key(null, typeName, channel));
    return account === undefined ? undefined : { enabled: account, source: 'account' };
  }
}

function key(applicationId: string | null, typeName: string, channel: string): string {
  return `${applicationId ?? ACCOUNT_LEVEL}\u0000${typeName}\u0000${channel}`;
}

/** How the trace names a cell's value ("application override: off"). */
export function describeCell(cell: ResolvedCell): string {
  const value = cell.enabled ? 'on' : 'off';
  switch (cell.source) {
    case 'application':
      return `application override: ${value} (${cell.applicationId})`;
    case 'account':
      return `account setting: ${value}`;
    case 'default':
      return `catalog default: ${value}`;
  }
}
