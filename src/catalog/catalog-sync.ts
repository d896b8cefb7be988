import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { CatalogRepository } from '../store/catalog-repository.ts';
import type { Catalog } from './catalog.ts';
import { fromStoredType } from './catalog-schema.ts';

/** How often each process asks whether the stored catalog changed: one indexed row read. */
export const CATALOG_REFRESH_INTERVAL_MS = 1000;

/**
 * Reads the stored entries into `catalog`. The version is read before the rows: a change that
 * commits in between gives newer rows under an older version, and the next check reloads
 * again; the other order could record a new version with old rows and miss the change.
 */
export async function loadStoredCatalog(repository: CatalogRepository, catalog: Catalog): Promise<boolean> {
  const version = await repository.version();
  const [types, groups] = await Promise.all([repository.listTypes(), repository.listGroups()]);
  return catalog.apply({ version, types: types.map(fromStoredType), groups });
}

export interface CatalogSyncDeps {
  readonly repository: CatalogRepository;
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs?: number;
}

/**
 * Keeps this process's catalog in step with the store: every interval it reads
 * `catalog_version` and reloads when the version moved. A change made in another process is
 * seen here within one interval (plus the reload, a few milliseconds); the process making a
 * change reloads at once (CatalogEditor).
 */
export class CatalogSync {
  private cancelTimer: (() => void) | undefined;
  private running = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly deps: CatalogSyncDeps) {}

  /** Reads the stored catalog now. */
  load(): Promise<boolean> {
    return loadStoredCatalog(this.deps.repository, this.deps.catalog);
  }

  /** Reloads when the stored version differs from the applied one; true when it reloaded. */
  async refreshIfChanged(): Promise<boolean> {
    const version = await this.deps.repository.version();
    if (version === this.deps.catalog.version) return false;
    return this.load();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops the checks; resolves once a check in progress is done. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.inFlight;
  }

  /** Resolves once the check in progress, if any, is done (tests drive the timer with a fake clock). */
  settled(): Promise<void> {
    return this.inFlight;
  }

  private schedule(): void {
    this.cancelTimer = this.deps.clock.setTimer(() => {
      this.cancelTimer = undefined;
      this.inFlight = this.refreshIfChanged().then(
        (reloaded) => {
          if (reloaded) this.deps.logger.info({ version: this.deps.catalog.version }, 'event catalog reloaded');
        },
        // A database blip must not end the checks: the next one tries again.
        (error: unknown) => this.deps.logger.warn({ err: error }, 'checking the event catalog for changes failed'),
      );
      void this.inFlight.then(() => {
        if (this.running) this.schedule();
      });
    }, this.deps.intervalMs ?? CATALOG_REFRESH_INTERVAL_MS);
  }
}
