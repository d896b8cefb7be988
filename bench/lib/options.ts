import { parseArgs } from 'node:util';

export const SCENARIOS = [
  'ceilings',
  'ingest',
  'delivery',
  'fanout',
  'e2e',
  'backlog',
  'scaleout',
  'bullmq',
  'streams',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Options {
  /** `auto`: both when PostgreSQL can be had, else SQLite alone. */
  readonly store: 'sqlite' | 'postgres' | 'both' | 'auto';
  readonly durationS: number;
  readonly only: readonly ScenarioName[];
  readonly backlog: number;
  readonly fanout: number;
  readonly quick: boolean;
  /** Directory for V8 CPU profiles of every Clarion process (written when each one stops). */
  readonly profile: string | undefined;
}

/** Every size a scenario uses, derived from the options in one place. */
export interface Sizes {
  readonly warmupS: number;
  /**
   * End to end's warm-up, longer than the others: it starts a fresh Clarion at full rate, and a
   * process whose code is still cold fell behind for its first 3-5 s (at 2 s, the backlog it
   * built was still draining in the measured window: p99 2 s, every slow event in its first 3 s).
   */
  readonly e2eWarmupS: number;
  readonly durationS: number;
  /**
   * Ingest and delivery: windows of Clarion and of its ceiling (the Fastify route; the undici
   * loop and the BullMQ peer) taken in turn, `durationS` recorded for each in all (see
   * lib/alternate.ts); `windowWarmupS` unrecorded before each window.
   */
  readonly alternationRounds: number;
  readonly windowWarmupS: number;
  /** Load-generator connections for the Fastify ceiling, ingest and API probes. */
  readonly connections: number;
  /** Clarion's sender settings (HttpClient: 64 connections per origin, the default per-target cap; 256 sends in flight), copied by every other sender. */
  readonly senderConnections: number;
  readonly senderConcurrency: number;
  /** Delivery and scale-out: events x hooks queued before the workers start. */
  readonly queueEvents: number;
  readonly queueHooks: number;
  readonly fanout: number;
  /** Backlog: deliveries queued (events x backlogHooks). */
  readonly backlog: number;
  readonly backlogHooks: number;
  /** Requests per second of each API probe while a backlog waits or drains. */
  readonly probeRate: number;
  readonly bullmqConcurrency: number;
}

export const USAGE = `Usage: npm run bench -- [options]

  --store sqlite|postgres|both   stores to measure (default: both when PostgreSQL can start)
  --duration <s>                 seconds per measurement (default 10; --quick: 2)
  --only <scenario,...>          ${SCENARIOS.join(', ')}
  --backlog <n>                  deliveries queued in the backlog scenario (default 1000000)
  --fanout <n>                   hooks for the one-event fan-out (default 10000)
  --quick                        small sizes and 2 s measurements: a smoke run of a few minutes
  --profile <dir>                write a CPU profile of every Clarion process into <dir>
                                 (summarise one: node --import tsx bench/profile-summary.ts <file>)
  --help
`;

export function parseOptions(argv: readonly string[]): Options | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      store: { type: 'string' },
      duration: { type: 'string' },
      only: { type: 'string' },
      backlog: { type: 'string' },
      fanout: { type: 'string' },
      quick: { type: 'boolean', default: false },
      profile: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick;
  const store = values.store ?? 'auto';
  if (store !== 'sqlite' && store !== 'postgres' && store !== 'both' && store !== 'auto') {
    throw new Error(`--store must be sqlite, postgres or both, not "${store}"`);
  }
  const only = (values.only ?? SCENARIOS.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of only) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      throw new Error(`unknown scenario "${name}"; scenarios: ${SCENARIOS.join(', ')}`);
    }
  }
  return {
    store,
    durationS: positive('--duration', values.duration, quick ? 2 : 10),
    only: only as ScenarioName[],
    backlog: positive('--backlog', values.backlog, quick ? 20_000 : 1_000_000),
    fanout: positive('--fanout', values.fanout, quick ? 1_000 : 10_000),
    quick,
    profile: values.profile,
  };
}

function positive(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number, not "${raw}"`);
  return value;
}

export function sizesFor(options: Options): Sizes {
  const backlogHooks = 100;
  return {
    warmupS: options.quick ? 0.5 : Math.min(2, options.durationS / 4),
    e2eWarmupS: options.quick ? 0.5 : 6,
    durationS: options.durationS,
    alternationRounds: options.quick ? 2 : 4,
    windowWarmupS: options.quick ? 0.5 : 1,
    connections: 64,
    senderConnections: 64,
    senderConcurrency: 256,
    queueEvents: options.quick ? 200 : 2_000,
    queueHooks: 100,
    fanout: Math.round(options.fanout),
    backlog: Math.ceil(options.backlog / backlogHooks) * backlogHooks,
    backlogHooks,
    probeRate: 20,
    bullmqConcurrency: 64,
  };
}
