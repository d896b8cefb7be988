// The peer: BullMQ on a local Redis (Debian's redis-server, no persistence, started here) with
// a worker process POSTing each job's 1 KiB webhook body via undici to a receiver of its own.
// Redis here keeps nothing on disk: the peer does less than Clarion, whose every queued
// delivery is durable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { webhookBody, webhookHeaders } from './body.ts';
import { baseEnv, spawnCommand, spawnNode, type Child } from './children.ts';
import type { BenchContext } from './context.ts';
import { freePort } from './postgres.ts';
import { Receiver } from './receiver.ts';

const ADD_CHUNK = 1000;

/** Whether Debian's redis-server is on PATH (the peer needs it). */
export async function hasRedisServer(): Promise<boolean> {
  const probe = spawnCommand('redis-server --version', 'redis-server', ['--version'], { env: baseEnv() });
  const { code } = await probe.exited;
  return code === 0;
}

export interface Peer {
  readonly receiver: Receiver;
  readonly worker: Child;
  /** Jobs queued: the drain is over when the receiver has this many distinct deliveries. */
  readonly jobs: number;
  stop(): Promise<void>;
}

/**
 * Starts Redis, queues `jobs` webhook jobs (all before the worker starts, like Clarion's queue
 * in the delivery scenario), then the worker, and resolves once the first job has arrived.
 */
export async function startPeer(ctx: BenchContext, jobs: number): Promise<Peer> {
  const { queueHooks, bullmqConcurrency, senderConnections } = ctx.sizes;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-bench-redis-'));
  const port = await freePort();
  let redis: Child | undefined;
  let worker: Child | undefined;
  let queue: Queue | undefined;
  const receiver = await Receiver.start();
  const stop = async () => {
    await worker?.stop(10_000);
    await queue?.close();
    await redis?.stop(5000);
    await receiver.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    redis = spawnCommand(
      'redis-server',
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { env: baseEnv() },
    );
    await redis.waitForOutput(/Ready to accept connections/, 30_000);
    queue = new Queue('webhooks', { connection: { host: '127.0.0.1', port } });
    ctx.progress(`bullmq: adding ${jobs} jobs`);
    const body = webhookBody().toString();
    for (let offset = 0; offset < jobs; offset += ADD_CHUNK) {
      const chunk = Array.from({ length: Math.min(ADD_CHUNK, jobs - offset) }, (_, i) => {
        const n = offset + i;
        const deliveryId = `dlv_bullmq_${n}`;
        const eventId = `evt_bullmq_${Math.floor(n / queueHooks)}`;
        return {
          name: 'webhook',
          data: { deliveryId, eventId, headers: webhookHeaders(deliveryId, eventId), body },
          opts: {
            attempts: 10,
            backoff: { type: 'exponential', delay: 5000 },
            removeOnComplete: true,
            removeOnFail: 1000,
          },
        };
      });
      await queue.addBulk(chunk);
    }
    ctx.progress(`bullmq: starting a worker with concurrency ${bullmqConcurrency}`);
    worker = spawnNode('bullmq-worker', ['bench/servers/bullmq-worker.ts'], {
      env: {
        ...baseEnv(),
        BENCH_REDIS_PORT: String(port),
        BENCH_TARGET: receiver.url,
        BENCH_CONCURRENCY: String(bullmqConcurrency),
        BENCH_CONNECTIONS: String(senderConnections),
      },
    });
    const first = await receiver.waitFor((stats) => stats.distinct > 0, 120_000);
    if (first.timedOut) throw new Error('bullmq: no job arrived within 120 s');
    return { receiver, worker, jobs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
