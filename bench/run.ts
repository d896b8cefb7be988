// `npm run bench -- [options]`: starts everything on 127.0.0.1, runs each scenario, prints one
// table and writes it with the machine's description to bench/results/<date>.json
// (`node --import tsx bench/report.ts <that file>` renders it as Markdown).
import fs from 'node:fs';
import path from 'node:path';
import { killAll } from './lib/children.ts';
import { profileClarionInto } from './lib/clarion.ts';
import { createContext, row, type BenchContext, type Row } from './lib/context.ts';
import { machineInfo } from './lib/machine.ts';
import { provenance } from './lib/provenance.ts';
import { parseOptions, sizesFor, USAGE, type Options, type ScenarioName } from './lib/options.ts';
import { startPostgres, type PostgresServer } from './lib/postgres.ts';
import type { StoreKind } from './lib/stores.ts';
import { renderTable } from './lib/table.ts';
import * as backlog from './scenarios/backlog.ts';
import * as bullmq from './scenarios/bullmq.ts';
import * as ceilings from './scenarios/ceilings.ts';
import * as delivery from './scenarios/delivery.ts';
import * as e2e from './scenarios/e2e.ts';
import * as fanout from './scenarios/fanout.ts';
import * as ingest from './scenarios/ingest.ts';
import * as scaleout from './scenarios/scaleout.ts';
import * as streams from './scenarios/streams.ts';

const RUNNERS: Record<ScenarioName, (ctx: BenchContext) => Promise<Row[]>> = {
  ceilings: ceilings.run,
  ingest: ingest.run,
  delivery: delivery.run,
  fanout: fanout.run,
  e2e: e2e.run,
  backlog: backlog.run,
  scaleout: scaleout.run,
  bullmq: bullmq.run,
  streams: streams.run,
};

/** A scenario that has not finished after this long is stopped (its children killed) and reported as failed. */
const SCENARIO_TIMEOUT_MS = 45 * 60_000;

async function chooseStores(
  options: Options,
  progress: (message: string) => void,
): Promise<{ stores: StoreKind[]; postgres: PostgresServer | undefined }> {
  if (options.store === 'sqlite') return { stores: ['sqlite'], postgres: undefined };
  try {
    progress('starting PostgreSQL');
    const postgres = await startPostgres(process.env['DATABASE_URL']);
    progress(`PostgreSQL: ${postgres.description}`);
    return { stores: options.store === 'postgres' ? ['postgres'] : ['sqlite', 'postgres'], postgres };
  } catch (error) {
    if (options.store !== 'auto') throw error;
    progress(`PostgreSQL could not start (${String(error)}): SQLite only`);
    return { stores: ['sqlite'], postgres: undefined };
  }
}

async function runScenario(ctx: BenchContext, name: ScenarioName): Promise<Row[]> {
  ctx.progress(`== ${name}`);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      RUNNERS[name](ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${SCENARIO_TIMEOUT_MS / 60_000} min`)),
          SCENARIO_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    killAll();
    ctx.progress(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    return [row({ scenario: name, store: '-', metric: 'failed', value: null, unit: '', note: message })];
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const sizes = sizesFor(options);
  if (options.profile !== undefined) {
    fs.mkdirSync(options.profile, { recursive: true });
    profileClarionInto(path.resolve(options.profile));
  }
  const started = new Date();
  const measured = provenance();
  const early = createContext(options, sizes, [], undefined);
  const { stores, postgres } = await chooseStores(options, (message) => early.progress(message));
  const ctx = createContext(options, sizes, stores, postgres);
  const rows: Row[] = [];
  try {
    for (const name of options.only) rows.push(...(await runScenario(ctx, name)));
  } finally {
    await postgres?.stop().catch(() => {});
  }
  const machine = machineInfo();
  process.stdout.write(
    `\nClarion bench, ${started.toISOString()}: ${machine.cpus} CPUs (${machine.model}), ${machine.memory}, Node ${machine.node}; ` +
      `stores: ${stores.join(', ')}; Clarion ${measured.commit}${measured.modified.length > 0 ? ` + changes to ${measured.modified.join(', ')}` : ''}\n\n`,
  );
  process.stdout.write(`${renderTable(rows)}\n`);
  const dir = path.join(import.meta.dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  const report = {
    machine,
    date: started.toISOString(),
    clarion: measured,
    options: { ...options, stores, sizes },
    rows,
  };
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nwritten to ${path.relative(process.cwd(), file)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
