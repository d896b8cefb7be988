import type { Migration } from 'kysely';
import * as initial from './0001-initial.ts';
import * as whoGetsWhat from './0002-who-gets-what.ts';
import * as pushTargets from './0003-push-targets.ts';
import * as targetHealth from './0004-target-health.ts';
import * as inbox from './0005-inbox.ts';
import * as fanouts from './0006-fanouts.ts';
import * as routingVersion from './0007-routing-version.ts';
import * as routingVersionStart from './0008-routing-version-start.ts';

/** Every migration in order; names sort as they apply. Add new ones at the end, never edit old ones. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-who-gets-what': whoGetsWhat,
  '0003-push-targets': pushTargets,
  '0004-target-health': targetHealth,
  '0005-inbox': inbox,
  '0006-fanouts': fanouts,
  '0007-routing-version': routingVersion,
  '0008-routing-version-start': routingVersionStart,
};
