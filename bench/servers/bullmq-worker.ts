// The peer, built the common way: a BullMQ Worker on a local Redis whose processor POSTs the
// job's webhook body with undici (Clarion's sender settings: 64 connections per origin) and
// throws on a non-2xx answer so that BullMQ retries it. Settings come from BENCH_* variables.
import { Worker } from 'bullmq';
import { Agent, request } from 'undici';

const port = Number(process.env['BENCH_REDIS_PORT']);
const target = process.env['BENCH_TARGET'] ?? 'http://127.0.0.1:1';
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
const agent = new Agent({ connections: Number(process.env['BENCH_CONNECTIONS'] ?? 32), keepAliveTimeout: 10_000 });

interface WebhookJob {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const worker = new Worker<WebhookJob>(
  'webhooks',
  async (job) => {
    const { statusCode, body } = await request(`${target}/hooks/${job.data.deliveryId.length % 100}`, {
      method: 'POST',
      dispatcher: agent,
      headers: job.data.headers,
      body: job.data.body,
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    await body.dump();
    if (statusCode < 200 || statusCode >= 300) throw new Error(`receiver answered ${statusCode}`);
  },
  { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null }, concurrency },
);
worker.on('ready', () => process.stdout.write('bullmq worker ready\n'));
worker.on('error', (error) => process.stderr.write(`worker error: ${String(error)}\n`));

const stop = () => {
  void worker
    .close()
    .then(() => agent.close())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
