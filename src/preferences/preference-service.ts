import type { Catalog } from '../catalog/catalog.ts';
import { PERSONAL_CHANNELS, type EventType, type PersonalChannel } from '../catalog/event-type.ts';
import type { Clock } from '../clock.ts';
import { ClarionError } from '../errors.ts';
import { PreferenceMatrix, type CellSource } from '../routing/preference-matrix.ts';
import { billingOptOutHonoured, roleGate } from '../routing/role-rules.ts';
import type { MemberRow } from '../store/member-repository.ts';
import type { CellChange } from '../store/preference-repository.ts';
import type { Store } from '../store/store.ts';

/** A row of the matrix as the API shows it: one event type, each personal channel's cell. */
export interface MatrixRow {
  readonly event_type: string;
  readonly description: string;
  readonly groups: string[];
  /** False when the member's role (or billing opt-out) keeps this type from them whatever the cells say. */
  readonly receivable: boolean;
  readonly channels: Record<PersonalChannel, { enabled: boolean; source: CellSource }>;
}

/** A row's cells to set: true/false sets a cell, null clears it (inherit), absent leaves it. */
export type RowInput = Partial<Record<PersonalChannel, boolean | null>>;

/**
 * Reads and changes one member's preference matrix, at the account level (`applicationId`
 * null) or for one application. Checks what the API is given; the store keeps only set cells.
 */
export class PreferenceService {
  constructor(private readonly deps: { store: Store; catalog: Catalog; clock: Clock }) {}

  async matrix(member: MemberRow, applicationId: string | null): Promise<MatrixRow[]> {
    await this.requireApplication(member.organization_id, applicationId);
    const { store } = this.deps;
    const matrix = new PreferenceMatrix(await store.preferences.cellsOf(member.organization_id, member.user_id));
    const members = await store.members.all(member.organization_id);
    const honoursOptOut = billingOptOutHonoured(members);
    return this.typesAt(applicationId).map((type) => ({
      event_type: type.name,
      description: type.description,
      groups: [...type.groups],
      receivable: roleGate(member, type, honoursOptOut) === null,
      channels: Object.fromEntries(
        PERSONAL_CHANNELS.map((channel) => {
          const cell = matrix.resolve(type, channel, applicationId);
          return [channel, { enabled: cell.enabled, source: cell.source }];
        }),
      ) as MatrixRow['channels'],
    }));
  }

  /**
   * Applies rows of cells. `replace` clears, first, every cell of the level (`matrix`) or of the
   * rows' one type (`row`) that the input does not set.
   */
  async change(
    member: MemberRow,
    applicationId: string | null,
    rows: Readonly<Record<string, RowInput>>,
    replace: 'none' | 'row' | 'matrix',
  ): Promise<void> {
    await this.requireApplication(member.organization_id, applicationId);
    const changes: CellChange[] = [];
    for (const [typeName, row] of Object.entries(rows)) {
      const type = this.deps.catalog.type(typeName);
      if (!type) throw new ClarionError('CLARION_ERR_PREFERENCE_UNKNOWN_TYPE', typeName);
      if (applicationId !== null && !type.scopes.includes('application')) {
        throw new ClarionError('CLARION_ERR_PREFERENCE_ACCOUNT_ONLY', typeName);
      }
      for (const channel of PERSONAL_CHANNELS) {
        const enabled = row[channel];
        if (enabled !== undefined) changes.push({ applicationId, eventType: typeName, channel, enabled });
      }
    }
    // A row replacement names exactly one type (the route's); a matrix replacement the level.
    const clearFirst =
      replace === 'matrix'
        ? { applicationId }
        : replace === 'row'
          ? { applicationId, eventType: Object.keys(rows)[0]! }
          : undefined;
    await this.deps.store.preferences.apply(
      member.organization_id,
      member.user_id,
      changes,
      this.deps.clock.now(),
      clearFirst,
    );
  }

  /** Account level: every type (account cells are also every application's default). */
  private typesAt(applicationId: string | null): EventType[] {
    const types = this.deps.catalog.listTypes();
    return applicationId === null ? types : types.filter((type) => type.scopes.includes('application'));
  }

  private async requireApplication(organizationId: string, applicationId: string | null): Promise<void> {
    if (applicationId === null) return;
    if (!(await this.deps.store.organizations.getApplication(organizationId, applicationId))) {
      throw new ClarionError('CLARION_ERR_APPLICATION_NOT_FOUND', applicationId, organizationId);
    }
  }
}
