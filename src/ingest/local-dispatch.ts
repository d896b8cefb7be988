import type { Insertable } from 'kysely';
import type { ClaimedDelivery } from '../store/delivery-queue.ts';
import type { DeliveriesTable } from '../store/schema.ts';

/** A worker in this process that takes deliveries straight from the transaction that creates them. */
export interface LocalDispatch {
  /** The lease owner the handed-over deliveries are committed with. */
  readonly owner: string;
  readonly leaseMs: number;
  /** Sets aside up to `wanted` slots; returns how many. */
  reserve(wanted: number): number;
  /** Starts the committed deliveries (none when the commit failed) and frees the `reserved` slots. */
  accept(rows: readonly ClaimedDelivery[], reserved: number): void;
}

/**
 * The new deliveries of one transaction that go straight to the local worker, with no claim:
 * they are inserted already leased to it, and handed to it once the transaction commits.
 */
export class Handover {
  /** The rows leased to the local worker; the writer may still renumber their event. */
  private rows: Insertable<DeliveriesTable>[] = [];
  private reserved = 0;

  constructor(private readonly dispatch: LocalDispatch | undefined) {}

  /** How many deliveries go to the local worker. */
  get size(): number {
    return this.rows.length;
  }

  /**
   * Marks as many of `deliveryRows` as the local worker has free slots for as leased to it (the
   * state a claim would give them). Called before the rows are inserted.
   */
  lease(deliveryRows: Insertable<DeliveriesTable>[], now: number): void {
    const { dispatch } = this;
    if (dispatch === undefined || deliveryRows.length === 0) return;
    const reserved = dispatch.reserve(deliveryRows.length);
    this.reserved += reserved;
    for (const row of deliveryRows.slice(0, reserved)) {
      row.status = 'sending';
      row.lease_owner = dispatch.owner;
      row.lease_until = now + dispatch.leaseMs;
      this.rows.push(row);
    }
  }

  /** Takes back the leased rows `dropped` selects (the writer left them out); their slots stay reserved until `finish`. */
  withdraw(dropped: (row: Insertable<DeliveriesTable>) => boolean): void {
    this.rows = this.rows.filter((row) => !dropped(row));
  }

  /** After the transaction: starts the leased deliveries if it committed; frees the reserved slots either way. */
  finish(committed: boolean): void {
    this.dispatch?.accept(committed ? this.rows.map(claimedDelivery) : [], this.reserved);
  }
}

/** A leased new row as the worker takes a claimed one. */
function claimedDelivery(row: Insertable<DeliveriesTable>): ClaimedDelivery {
  return {
    id: row.id,
    organization_id: row.organization_id,
    event_seq: row.event_seq,
    application_id: row.application_id ?? null,
    hook_id: row.hook_id ?? null,
    channel: row.channel,
    address: row.address ?? null,
    user_id: row.user_id ?? null,
    attempts: 0,
    next_attempt_at: row.next_attempt_at,
  };
}
