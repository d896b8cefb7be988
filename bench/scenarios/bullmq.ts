// The peer: BullMQ on a local Redis (Debian's redis-server, no persistence, started here) with
// a worker process POSTing each job's 1 KiB webhook body via undici to the same receiver. The
// same number of deliveries is queued as in the delivery scenario (all jobs added before the
// worker starts), and the drain is measured the same way. Redis here keeps nothing on disk:
// the peer does less than Clarion, whose every queued delivery is durable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { webhookBody, webhookHeaders } from '../lib/body.ts';
import { baseEnv, spawnCommand, spawnNode, type Child } from '../lib/children.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import type { DrainResult } from '../lib/drain.ts';
import { measureDrain } from '../lib/drain.ts';
import { freePort } from '../lib/postgres.ts';
import { Receiver } from '../lib/receiver.ts';
import { hasRedisServer, undiciCeiling } from './ceilings.ts';

const ADD_CHUNK = 1000;

async function measurePeer(ctx: BenchContext): Promise<DrainResult> {
  const { queueEvents, queueHooks, warmupS, durationS, bullmqConcurrency, senderConnections } = ctx.sizes;
  const jobs = queueEvents * queueHooks;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-bench-redis-'));
  const port = await freePort();
  let redis: Child | undefined;
  let worker: Child | undefined;
  let queue: Queue | undefined;
  const receiver = await Receiver.start();
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
    ctx.progress(`bullmq: worker with concurrency ${bullmqConcurrency} drains ${jobs} jobs`);
    worker = spawnNode('bullmq-worker', ['bench/servers/bullmq-worker.ts'], {
      env: {
        ...baseEnv(),
        BENCH_REDIS_PORT: String(port),
        BENCH_TARGET: receiver.url,
        BENCH_CONCURRENCY: String(bullmqConcurrency),
        BENCH_CONNECTIONS: String(senderConnections),
      },
    });
    return await measureDrain(receiver, { expected: jobs, warmupS, durationS, pids: [worker.pid] });
  } finally {
    await worker?.stop(10_000);
    await queue?.close();
    await redis?.stop(5000);
    await receiver.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const scenario = 'bullmq';
  const metric = `BullMQ + Redis peer: deliveries/s (concurrency ${ctx.sizes.bullmqConcurrency})`;
  if (!(await hasRedisServer())) {
    return [
      row({
        scenario,
        store: 'redis',
        metric,
        value: null,
        unit: 'deliveries/s',
        note: 'not run: redis-server is not installed (apt-get install redis-server)',
      }),
    ];
  }
  const undici = await undiciCeiling(ctx);
  const peer = await measurePeer(ctx);
  const rows: Row[] = [
    row({
      scenario,
      store: 'redis',
      metric,
      value: peer.rate,
      unit: 'deliveries/s',
      ceiling: { name: 'bare undici loop', value: undici.rate },
      note: `${peer.delivered} over ${peer.seconds.toFixed(1)} s; ${Math.round(peer.delivered / peer.cpuSeconds)} deliveries per worker CPU-second (Redis CPU not counted); no persistence`,
    }),
  ];
  // Side by side with Clarion's delivery figures measured in this run (not measured again here).
  for (const kind of ctx.stores) {
    const clarion = ctx.peek<DrainResult>(`delivery:${kind}`);
    if (!clarion) continue;
    rows.push(
      row({
        scenario,
        store: kind,
        metric: 'Clarion deliveries/s (delivery scenario) vs the peer',
        value: (await clarion).rate,
        unit: 'deliveries/s',
        ceiling: { name: 'BullMQ peer', value: peer.rate },
        target: '>= BullMQ',
        check: (_value, ratio) => (ratio ?? 0) >= 1,
      }),
    );
  }
  return rows;
}
