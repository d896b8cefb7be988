import { useMemo, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { DeliveryCharts } from '../components/delivery-charts.tsx';
import { DeliveryFilters } from '../components/delivery-filters.tsx';
import { DeliveryTable } from '../components/delivery-table.tsx';
import { RetryFailed } from '../components/retry-failed.tsx';
import { Loading } from '../components/status.tsx';
import { enc, query } from '../lib/api.ts';
import type { Delivery, DeliveryStats } from '../lib/deliveries.ts';
import { useAllPages } from '../lib/all-pages.ts';
import { useApplications } from '../lib/applications.ts';
import type { Hook } from '../lib/hooks.ts';
import { formatTime } from '../lib/format.ts';
import { apiFilterQuery, filtersFromQuery, queryOfFilters, resolveRange, SELECTORS } from '../lib/log-filters.ts';
import { can, rolesWith } from '../lib/permissions.ts';
import { roleIn, useSession } from '../lib/session.ts';
import { useApi } from '../lib/use-api.ts';
import { usePagedApi } from '../lib/use-paged-api.ts';
import '../styles/deliveries.css';

const PAGE_SIZE = 50;

/**
 * The delivery log: every delivery of the organization in a time range, filtered by event type,
 * channel, hook, application and status (all kept in the URL), with charts of outcomes and
 * attempt durations over the same range, and re-sending of what failed.
 */
export function DeliveryLogPage() {
  const { params } = useRoute();
  const org = params['org']!;
  const location = useLocation();
  const session = useSession();
  const role = roleIn(session, org);
  const canRead = can(role, 'events.read');
  const canResend = can(role, 'deliveries.write');

  const filters = filtersFromQuery(location.query);
  const filtersQuery = queryOfFilters(filters);
  // A preset ("last 24 hours") ends when it is chosen or refreshed, and stays put while paging.
  const [refreshed, setRefreshed] = useState(0);
  const range = useMemo(() => resolveRange(filters, Date.now()), [filtersQuery, refreshed]);
  const apiQuery = apiFilterQuery(filters, range);
  const base = `/v1/organizations/${enc(org)}`;

  const list = usePagedApi<Delivery>(canRead ? `${base}/deliveries${query({ ...apiQuery, limit: PAGE_SIZE })}` : null);
  const stats = useApi<DeliveryStats>(
    canRead ? `${base}/deliveries/stats${query({ ...apiQuery, bucket: range.bucket })}` : null,
  );
  const hooks = useAllPages<Hook>(canRead ? `${base}/hooks` : null);
  const applications = useApplications(org);
  const eventTypes = useApi<{ data: { name: string }[] }>('/v1/event-types');
  const hooksById = useMemo(() => new Map((hooks.data ?? []).map((hook) => [hook.id, hook])), [hooks.data]);

  const reload = () => {
    setRefreshed((n) => n + 1);
    list.reload();
    stats.reload();
  };

  if (!canRead) {
    return (
      <main>
        <h1>Delivery log</h1>
        <p class="page-error" role="alert">
          Your role ({role ?? 'none'}) does not show the delivery log; {rolesWith('events.read')} see it.
        </p>
      </main>
    );
  }

  const selectors = Object.fromEntries(SELECTORS.map((name) => [name, apiQuery[name]]));
  return (
    <main class="delivery-log">
      <h1>Delivery log</h1>
      <p class="lede">
        Every notification Clarion sent or tried to send. Filter it, open a delivery to see each attempt, and re-send
        what failed.
      </p>
      <DeliveryFilters
        filters={filters}
        eventTypes={(eventTypes.data?.data ?? []).map((type) => type.name)}
        hooks={hooks.data ?? []}
        applications={applications.data?.data ?? []}
        onChange={(next) => location.route(`${location.path}${queryOfFilters(next)}`)}
      />
      <div class="toolbar">
        <p class="range-words">
          From <time dateTime={range.since}>{formatTime(range.since)}</time> to{' '}
          <time dateTime={range.until}>{formatTime(range.until)}</time>
          {filtersQuery !== '' && (
            <>
              {' · '}
              <a href={location.path}>Clear filters</a>
            </>
          )}
        </p>
        <button type="button" onClick={reload}>
          Refresh
        </button>
        {canResend && (filters.status === '' || filters.status === 'failed') && (
          <RetryFailed
            org={org}
            failed={stats.data?.totals.failed ?? 0}
            selectors={selectors}
            since={range.since}
            until={range.until}
            onDone={reload}
          />
        )}
        {!canResend && <p class="hint-inline">Only {rolesWith('deliveries.write')} can re-send deliveries.</p>}
      </div>
      {stats.data === undefined ? <Loading error={stats.error} /> : <DeliveryCharts stats={stats.data} />}
      <h2>Deliveries</h2>
      {list.items.length === 0 ? (
        list.loading || list.error !== null ? (
          <Loading error={list.error} />
        ) : (
          <p class="empty">No delivery matches these filters in this range.</p>
        )
      ) : (
        <>
          <DeliveryTable org={org} deliveries={list.items} hooks={hooksById} back={filtersQuery} />
          {list.error !== null && (
            <p class="page-error" role="alert">
              {list.error}
            </p>
          )}
          {list.hasMore && (
            <button type="button" class="load-more" disabled={list.loading} onClick={list.loadMore}>
              {list.loading ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
    </main>
  );
}
