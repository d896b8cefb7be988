import v8 from 'node:v8';
import { createClarion } from './clarion.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { Store } from './store/store.ts';

const USAGE = `Usage: clarion <command> [options]

Commands:
  serve [--role all|api|worker]   Run the API and the delivery workers (default: both;
                                  the same as CLARION_ROLE)
  migrate                         Apply pending database migrations and exit
`;

/** The entry point: the only place that exits the process. */
async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...options] = argv;
  const role = roleOption(options);
  const config = loadConfig(undefined, role === undefined ? {} : { role });
  switch (command) {
    case 'migrate': {
      const store = Store.open(config);
      try {
        const result = await store.migrate();
        const applied = result.results?.map((migration) => migration.migrationName) ?? [];
        console.log(
          applied.length === 0
            ? `${store.description}: up to date`
            : `${store.description}: applied ${applied.join(', ')}`,
        );
      } finally {
        await store.close();
      }
      return 0;
    }
    case 'serve':
      return serve(config);
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

/** `--role X` or `--role=X`; validated like CLARION_ROLE. */
function roleOption(options: string[]): Config['role'] | undefined {
  const index = options.findIndex((option) => option === '--role' || option.startsWith('--role='));
  if (index === -1) {
    if (options.length > 0) throw new ConfigError(`Unknown option ${options[0]}.\n\n${USAGE}`);
    return undefined;
  }
  const option = options[index]!;
  const value = option.includes('=') ? option.slice('--role='.length) : options[index + 1];
  if (value !== 'all' && value !== 'api' && value !== 'worker') {
    throw new ConfigError(`--role must be all, api or worker, not "${value ?? ''}"`);
  }
  return value;
}

async function serve(config: Config): Promise<number> {
  // A process-wide V8 setting, so it belongs to the entry point, not to createClarion (V8 reads
  // it at each collection). 0 leaves V8's own adaptive factor, which grows the heap up to 4x.
  if (config.heapGrowthPercent > 0) v8.setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);
  const clarion = await createClarion(config);
  if (clarion.generatedPlatformKey !== undefined) {
    // Printed once: only its hash is stored.
    console.log(
      `\nGenerated the platform API key (shown only this once; store it now):\n\n  ${clarion.generatedPlatformKey}\n\n` +
        `Send it as "Authorization: Bearer <key>", or set CLARION_PLATFORM_KEY to choose your own.\n`,
    );
  }
  const address = await clarion.start();
  clarion.logger.info(
    { address, role: config.role, store: clarion.store.description, email: config.smtpUrl !== undefined },
    'Clarion is running',
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      clarion.logger.info({ signal }, 'shutting down: finishing in-flight deliveries');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await clarion.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
    process.exit(1);
  },
);
