import type { Child } from './children.ts';

/** A request from the harness to a child server, and the child's answer. */
interface IpcRequest {
  readonly id: number;
  readonly cmd: string;
  readonly args?: unknown;
}
interface IpcAnswer {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

let nextId = 1;

/** Sends `cmd` to a child started with `ipc: true` and resolves with its answer. */
export function call<T>(child: Child, cmd: string, args?: unknown, timeoutMs = 30_000): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      const answer = message as IpcAnswer;
      if (typeof answer !== 'object' || answer === null || answer.id !== id) return;
      done();
      if (answer.error !== undefined) reject(new Error(`${child.name} ${cmd}: ${answer.error}`));
      else resolve(answer.result as T);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${child.name} did not answer ${cmd} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.process.off('message', onMessage);
    };
    child.process.on('message', onMessage);
    child.process.send({ id, cmd, args } satisfies IpcRequest);
  });
}

/** Waits for the child's first `{ ready: ... }` message (servers send their port in it). */
export function ready<T>(child: Child, timeoutMs = 30_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      const ready = (message as { ready?: T }).ready;
      if (ready === undefined) return;
      clearTimeout(timer);
      child.process.off('message', onMessage);
      resolve(ready);
    };
    const timer = setTimeout(() => {
      child.process.off('message', onMessage);
      reject(new Error(`${child.name} was not ready within ${timeoutMs} ms:\n${child.output().slice(-2000)}`));
    }, timeoutMs);
    child.process.on('message', onMessage);
    void child.exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${child.name} exited before it was ready (${JSON.stringify(how)}):\n${child.output()}`));
    });
  });
}

/** Child side: answers the harness's calls with `handlers`, and exits when the harness goes away. */
export function serveIpc(handlers: Record<string, (args: any) => unknown>): void {
  process.on('message', (message: unknown) => {
    const { id, cmd, args } = message as IpcRequest;
    const handler = handlers[cmd];
    const reply = (answer: Omit<IpcAnswer, 'id'>) => process.send?.({ id, ...answer });
    if (!handler) {
      reply({ error: `unknown command ${cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(args))
      .then(
        (result) => reply({ result }),
        (error: unknown) => reply({ error: String(error) }),
      );
  });
  // An orphaned server would keep running: the IPC channel closes when the harness dies.
  process.on('disconnect', () => process.exit(0));
}
