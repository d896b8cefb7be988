import type { Kysely } from 'kysely';
import type { RoutingContext } from '../routing/route-event.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { CheckedEvent } from './event-input.ts';

/** What checking and routing an organization's events read. */
export interface OrganizationContext extends RoutingContext {
  /** Of the applications and add-ons the batch names, those that exist. */
  readonly applications: ReadonlySet<string>;
  readonly addons: ReadonlySet<string>;
}

/**
 * Cached contexts, counted in hooks, members and push targets: about a kilobyte each, so the
 * cache stays within tens of megabytes however many organizations send events.
 */
const DEFAULT_BUDGET = 50_000;

interface CachedContext {
  readonly version: number;
  readonly context: RoutingContext;
  /** Hooks, members, push targets and known ids, against the budget. */
  weight: number;
  /** Applications and add-ons seen to exist at this version (creating or deleting one moves it). */
  readonly applications: Set<string>;
  readonly addons: Set<string>;
}

/** A batch's contexts and the routing version each was read at. */
export interface CachedContexts {
  readonly contexts: Map<string, OrganizationContext>;
  readonly versions: Map<string, number>;
}

/**
 * The routing contexts of the organizations ingest has seen, each kept with the
 * `routing_version` it was read at. Triggers increase that version whenever what routing reads
 * changes (migration 0007), in whatever process, so a batch reads one version per organization
 * and rereads a context only when it moved: one query per batch instead of five (PostgreSQL:
 * five pooled connections and their round trips).
 *
 * The version is read before the context, so a context is never older than the version it is
 * kept under; a change landing in between is read again by the next batch.
 *
 * `cachedFor` answers from the cache with no read at all, for a writer that has its write
 * confirm the versions (PostgreSQL's one-statement batch): one round trip per batch.
 */
export class RoutingContexts {
  private readonly cached = new Map<string, CachedContext>();
  private weight = 0;

  constructor(
    private readonly store: Store,
    private readonly budget = DEFAULT_BUDGET,
  ) {}

  /**
   * Per organization of the batch, what checking and routing need; an organization that does
   * not exist has no entry. The version check and the application and add-on checks run at once.
   */
  async load(db: Kysely<Database>, items: readonly CheckedEvent[]): Promise<Map<string, OrganizationContext>> {
    const { organizations } = this.store;
    const byOrg = byOrganization(items);
    const [versions, ...named] = await Promise.all([
      organizations.routingVersions([...byOrg.keys()], db),
      ...[...byOrg].map(async ([orgId, orgItems]) => {
        const appIds = [...new Set(orgItems.flatMap((item) => item.input.application ?? []))];
        const addonIds = [...new Set(orgItems.flatMap((item) => item.input.addon ?? []))];
        const [applications, addons] = await Promise.all([
          organizations.existingIds('applications', orgId, appIds, db),
          organizations.existingIds('addons', orgId, addonIds, db),
        ]);
        return { orgId, applications, addons };
      }),
    ]);
    const contexts = new Map<string, OrganizationContext>();
    await Promise.all(
      named.map(async ({ orgId, applications, addons }) => {
        const version = versions.get(orgId);
        if (version === undefined) return;
        const routing = await this.routingContext(db, orgId, version);
        this.rememberExisting(orgId, version, applications, addons);
        contexts.set(orgId, { ...routing, applications, addons });
      }),
    );
    return contexts;
  }

  /**
   * The batch's contexts from the cache alone, when it holds every organization of the batch
   * and knows every application and add-on the batch names to exist; else undefined. They may
   * be stale: the write must confirm the versions, or plan again from `load`.
   */
  cachedFor(items: readonly CheckedEvent[]): CachedContexts | undefined {
    const contexts = new Map<string, OrganizationContext>();
    const versions = new Map<string, number>();
    for (const item of items) {
      const { organization, application, addon } = item.input;
      const hit = this.cached.get(organization);
      if (hit === undefined) return undefined;
      if (application !== undefined && !hit.applications.has(application)) return undefined;
      if (addon !== undefined && !hit.addons.has(addon)) return undefined;
      if (!contexts.has(organization)) {
        contexts.set(organization, { ...hit.context, applications: hit.applications, addons: hit.addons });
        versions.set(organization, hit.version);
      }
    }
    for (const orgId of contexts.keys()) this.touch(orgId);
    return { contexts, versions };
  }

  /** Adds what `load` found to exist to the cached entry of that very version. */
  private rememberExisting(
    orgId: string,
    version: number,
    applications: ReadonlySet<string>,
    addons: ReadonlySet<string>,
  ): void {
    const entry = this.cached.get(orgId);
    if (entry === undefined || entry.version !== version) return;
    for (const [known, found] of [
      [entry.applications, applications],
      [entry.addons, addons],
    ] as const) {
      for (const id of found) {
        if (known.has(id)) continue;
        known.add(id);
        entry.weight += 1;
        this.weight += 1;
      }
    }
  }

  /** Most recently used last: eviction takes from the front. */
  private touch(orgId: string): void {
    const entry = this.cached.get(orgId);
    if (entry === undefined) return;
    this.cached.delete(orgId);
    this.cached.set(orgId, entry);
  }

  private async routingContext(db: Kysely<Database>, orgId: string, version: number): Promise<RoutingContext> {
    const hit = this.cached.get(orgId);
    if (hit !== undefined && hit.version === version) {
      this.touch(orgId);
      return hit.context;
    }
    const { hooks, members, preferences, pushTargets } = this.store;
    const [hookRecords, memberRows, matrices, targets] = await Promise.all([
      hooks.allFor(orgId, db),
      members.all(orgId, db),
      preferences.matricesOf(orgId, db),
      pushTargets.ofMembers(orgId, db),
    ]);
    const context: RoutingContext = {
      hooks: hookRecords,
      members: memberRows,
      preferences: matrices,
      pushTargets: targets,
    };
    let targetCount = 0;
    for (const list of targets.values()) targetCount += list.length;
    this.keep(orgId, {
      version,
      context,
      weight: 1 + hookRecords.length + memberRows.length + targetCount,
      applications: new Set(),
      addons: new Set(),
    });
    return context;
  }

  private keep(orgId: string, entry: CachedContext): void {
    const previous = this.cached.get(orgId);
    if (previous !== undefined) {
      this.cached.delete(orgId);
      this.weight -= previous.weight;
    }
    // A newer version may be cached already (a batch that read later finished first).
    if (previous !== undefined && previous.version > entry.version) {
      this.cached.set(orgId, previous);
      this.weight += previous.weight;
      return;
    }
    if (entry.weight > this.budget) return;
    this.cached.set(orgId, entry);
    this.weight += entry.weight;
    for (const [oldest, evicted] of this.cached) {
      if (this.weight <= this.budget) break;
      this.cached.delete(oldest);
      this.weight -= evicted.weight;
    }
  }
}

function byOrganization(items: readonly CheckedEvent[]): Map<string, CheckedEvent[]> {
  const byOrg = new Map<string, CheckedEvent[]>();
  for (const item of items) {
    const list = byOrg.get(item.input.organization) ?? [];
    list.push(item);
    byOrg.set(item.input.organization, list);
  }
  return byOrg;
}
