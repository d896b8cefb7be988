import { Migrator, type Kysely, type MigrationResultSet } from 'kysely';
import { CatalogRepository } from './catalog-repository.ts';
import { CredentialRepository } from './credential-repository.ts';
import { DeliveryQueue } from './delivery-queue.ts';
import { DeliveryRepository } from './delivery-repository.ts';
import { EventRepository } from './event-repository.ts';
import { FanoutRepository } from './fanout-repository.ts';
import { InboxRepository } from './inbox-repository.ts';
import { HookRepository } from './hook-repository.ts';
import { MemberRepository } from './member-repository.ts';
import { MIGRATIONS } from './migrations/index.ts';
import type { OpenedDatabase, StoreDialect } from './opened-database.ts';
import { OrganizationRepository } from './organization-repository.ts';
import { PreferenceRepository } from './preference-repository.ts';
import { PushTargetRepository } from './push-target-repository.ts';
import { RetentionRepository } from './retention-repository.ts';
import { openPostgresDatabase } from './postgres/postgres-database.ts';
import type { Database } from './schema.ts';
import { SettingsRepository } from './settings-repository.ts';
import { TargetHealthRepository } from './target-health-repository.ts';
import { openSqliteDatabase } from './sqlite/sqlite-database.ts';
import type { Wakeups } from './wakeups.ts';

export interface StoreLocation {
  /** `postgres://...`, or undefined for the SQLite file in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
}

/**
 * Everything Clarion keeps, on SQLite or PostgreSQL behind one set of repositories. The
 * differences between the two are capabilities of `dialect`, read in the few places they matter.
 */
export class Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  readonly description: string;
  readonly wakeups: Wakeups;
  readonly eventWakeups: Wakeups;
  readonly inboxReadWakeups: Wakeups;
  readonly inbox: InboxRepository;
  readonly settings: SettingsRepository;
  readonly organizations: OrganizationRepository;
  readonly members: MemberRepository;
  readonly credentials: CredentialRepository;
  readonly preferences: PreferenceRepository;
  readonly hooks: HookRepository;
  readonly events: EventRepository;
  readonly deliveries: DeliveryRepository;
  readonly queue: DeliveryQueue;
  readonly fanouts: FanoutRepository;
  readonly retention: RetentionRepository;
  readonly catalog: CatalogRepository;
  readonly pushTargets: PushTargetRepository;
  readonly targetHealth: TargetHealthRepository;

  private constructor(private readonly opened: OpenedDatabase) {
    this.db = opened.db;
    this.dialect = opened.dialect;
    this.description = opened.description;
    this.wakeups = opened.wakeups;
    this.eventWakeups = opened.eventWakeups;
    this.inboxReadWakeups = opened.inboxReadWakeups;
    this.inbox = new InboxRepository(this.db);
    this.settings = new SettingsRepository(this.db);
    this.organizations = new OrganizationRepository(this.db);
    this.members = new MemberRepository(this.db, this.dialect);
    this.credentials = new CredentialRepository(this.db);
    this.preferences = new PreferenceRepository(this.db);
    this.hooks = new HookRepository(this.db);
    this.events = new EventRepository(this.db);
    this.deliveries = new DeliveryRepository(this.db);
    this.queue = new DeliveryQueue(this.db, this.dialect, opened);
    this.fanouts = new FanoutRepository(this.db, this.dialect);
    this.retention = new RetentionRepository(this.db);
    this.catalog = new CatalogRepository(this.db);
    this.pushTargets = new PushTargetRepository(this.db);
    this.targetHealth = new TargetHealthRepository(this.db);
  }

  /** `onError` hears of PostgreSQL connections lost in the background (the pool replaces them). */
  static open(location: StoreLocation, onError?: (error: unknown) => void): Store {
    return new Store(
      location.databaseUrl === undefined
        ? openSqliteDatabase(location.dataDir)
        : openPostgresDatabase(location.databaseUrl, onError),
    );
  }

  /** Applies pending migrations; throws with the failing migration's name if one fails. */
  async migrate(): Promise<MigrationResultSet> {
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    });
    const result = await migrator.migrateToLatest();
    if (result.error !== undefined) {
      const failed = result.results?.find((migration) => migration.status === 'Error');
      throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: result.error });
    }
    return result;
  }

  close(): Promise<void> {
    return this.opened.close();
  }
}
