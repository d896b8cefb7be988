import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OUTPUT_LIMIT = 64 * 1024;

/** A process the harness started; every one is killed when the harness exits, whatever happens. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves once the process has exited; never rejects. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly running: boolean;
  /** The last 64 KiB of its stdout and stderr. */
  output(): string;
  /** Resolves when `pattern` appears in its output; rejects on exit or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Child>();

// Last resort: a harness that throws or is interrupted must not leave servers behind.
process.once('exit', () => {
  for (const child of live) child.process.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping ${live.size} child process(es)\n`);
    process.exit(130);
  });
}

export interface SpawnOptions {
  readonly env: Record<string, string>;
  /** Opens an IPC channel (for children that report over process.send). */
  readonly ipc?: boolean;
  readonly cwd?: string;
  /** Flags for node itself (before the script), e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
}

/** The environment every child starts from: nothing of the harness's own settings leaks in. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', NODE_ENV: 'production' };
}

/** Runs a TypeScript file of this repository with tsx, like `npm start` runs Clarion. */
export function spawnNode(name: string, args: readonly string[], options: SpawnOptions): Child {
  return spawnCommand(name, process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', ...args], options);
}

export function spawnCommand(name: string, command: string, args: readonly string[], options: SpawnOptions): Child {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env,
    stdio: options.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      running = false;
      collect(Buffer.from(`\nspawn failed: ${String(error)}\n`));
      resolve({ code: null, signal: null });
    });
  });

  const handle: Child = {
    name,
    pid: child.pid ?? -1,
    process: child,
    exited,
    get running() {
      return running;
    },
    output: () => output,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) finish(() => resolve(match));
        };
        const timer = setTimeout(
          () =>
            finish(() => reject(new Error(`${name}: no ${pattern} within ${timeoutMs} ms:\n${output.slice(-2000)}`))),
          timeoutMs,
        );
        const finish = (then: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        void exited.then((how) =>
          finish(() => reject(new Error(`${name} exited (${JSON.stringify(how)}):\n${output.slice(-2000)}`))),
        );
        listeners.add(check);
        check();
      });
    },
    async stop(graceMs = 15_000) {
      if (running) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(handle);
  void exited.then(() => live.delete(handle));
  return handle;
}

/** SIGKILLs every child still running (after a scenario failed or timed out). */
export function killAll(): void {
  for (const child of live) child.process.kill('SIGKILL');
}
