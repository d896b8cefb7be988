import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OUTPUT_LIMIT = 64 * 1024;

export interface ChildClarionOptions {
  /** CLARION_DATA_DIR: reuse it across restarts to recover the same store. */
  readonly dataDir: string;
  readonly platformKey: string;
  /** Runs on PostgreSQL (with secretKey) instead of the SQLite file in dataDir. */
  readonly databaseUrl?: string;
  readonly secretKey?: string;
  /** Further variables (CLARION_* ones must be known settings, or the server refuses to start). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for GET /readyz to answer 200 (default 30 s). */
  readonly readyTimeoutMs?: number;
}

/** A `clarion serve` child process on 127.0.0.1, ready to take traffic. */
export interface ChildClarion {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** Resolves once the process has exited (it never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last 64 KiB of stdout and stderr, for diagnostics (pino logs go to stdout). */
  output(): string;
  /** SIGKILL (no shutdown of any kind) and wait until the process is gone. Safe to call twice. */
  kill(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node --import tsx src/main.ts serve` with an environment built from scratch (the
 * parent's CLARION_* variables and database URLs are not passed on), and waits for /readyz.
 */
export async function startChildClarion(options: ChildClarionOptions): Promise<ChildClarion> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    CLARION_DATA_DIR: options.dataDir,
    CLARION_PLATFORM_KEY: options.platformKey,
    CLARION_ALLOW_PRIVATE_TARGETS: 'true',
    CLARION_LOG_LEVEL: 'warn',
    ...(options.databaseUrl !== undefined ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.secretKey !== undefined ? { CLARION_SECRET_KEY: options.secretKey } : {}),
    ...options.env,
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      gone = true;
      collect(Buffer.from(`\nspawn failed: ${String(error)}\n`));
      resolve({ code: null, signal: null });
    });
  });

  const handle: ChildClarion = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    exited,
    output: () => output,
    async kill() {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (gone) {
      throw new Error(`clarion exited before it was ready (${JSON.stringify(await exited)}):\n${output}`);
    }
    try {
      const response = await fetch(`${handle.url}/readyz`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.status === 200) return handle;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await handle.kill();
      throw new Error(`clarion was not ready within ${options.readyTimeoutMs ?? 30_000} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
