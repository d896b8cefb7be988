import { createClarion } from './clarion.ts';
import { ConfigError, loadConfig } from './config.ts';
import { Store } from './store/store.ts';

const USAGE = `Usage: clarion <command>

Commands:
  serve     Run the API, dashboard and delivery workers (CLARION_ROLE=api|worker|all)
  migrate   Apply pending database migrations and exit
`;

/** The entry point: the only place that exits the process. */
async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'serve';
  const config = loadConfig();
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

async function serve(config: ReturnType<typeof loadConfig>): Promise<number> {
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
