import { sql, type Kysely, type Selectable } from 'kysely';
import type { PlannedDelivery } from '../routing/route-event.ts';
import { parsePlan } from '../routing/stored-plan.ts';
import type { StoreDialect } from './opened-database.ts';
import type { Database, FanoutsTable } from './schema.ts';

/** A fan-out's progress: everything but its plan, which is read once per expander. */
export type FanoutProgress = Omit<Selectable<FanoutsTable>, 'plan'>;

/**
 * Events whose deliveries are written after the 202 (see FanoutExpander): each row holds the
 * routing plan and how much of it is already rows of `deliveries`.
 */
export class FanoutRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  /**
   * The oldest fan-out with deliveries left to write, locked until `trx` ends. On PostgreSQL
   * other processes skip it (`SKIP LOCKED`) and take the next one; SQLite has one writer.
   */
  nextWithin(trx: Kysely<Database>): Promise<FanoutProgress | undefined> {
    return trx
      .selectFrom('fanouts')
      .select([
        'event_seq',
        'organization_id',
        'event_id',
        'event_type',
        'application_id',
        'total',
        'expanded',
        'created_at',
      ])
      .orderBy('event_seq')
      .limit(1)
      .$if(this.dialect.supportsSkipLocked, (qb) => qb.forUpdate().skipLocked())
      .executeTakeFirst();
  }

  /** Records that the first `expanded` planned deliveries are written; the last chunk removes the fan-out. */
  async advanceWithin(trx: Kysely<Database>, fanout: FanoutProgress, expanded: number): Promise<void> {
    if (expanded >= fanout.total) {
      await trx.deleteFrom('fanouts').where('event_seq', '=', fanout.event_seq).execute();
    } else {
      await trx.updateTable('fanouts').set({ expanded }).where('event_seq', '=', fanout.event_seq).execute();
    }
  }

  /** How many planned deliveries all fan-outs still have to write. */
  async unwrittenCount(): Promise<number> {
    const row = await this.db
      .selectFrom('fanouts')
      .select(sql<number | null>`sum(total - expanded)`.as('unwritten'))
      .executeTakeFirst();
    return Number(row?.unwritten ?? 0);
  }

  /** The plan of an event whose fan-out is not fully written yet (undefined once it is). */
  async planOf(eventSeq: number, db: Kysely<Database> = this.db): Promise<PlannedDelivery[] | undefined> {
    const row = await db.selectFrom('fanouts').select('plan').where('event_seq', '=', eventSeq).executeTakeFirst();
    return row === undefined ? undefined : parsePlan(row.plan);
  }
}
