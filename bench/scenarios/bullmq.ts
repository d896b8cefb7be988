// The peer built the common way (lib/bullmq-peer.ts): its windows are taken in the delivery
// scenario, in turn with Clarion's worker and the bare undici loop, and reported here beside
// them. A peer measured minutes apart from Clarion would compare two states of the machine.
import { hasRedisServer } from '../lib/bullmq-peer.ts';
import { row, type BenchContext, type Row } from '../lib/context.ts';
import { deliveryRate } from './delivery.ts';

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
  const rows: Row[] = [];
  for (const kind of ctx.stores) {
    const clarion = await deliveryRate(ctx, kind);
    const { peer } = clarion;
    if (peer === undefined) continue;
    rows.push(
      row({
        scenario,
        store: kind,
        metric: `${metric}, in turn with Clarion on ${kind}`,
        value: peer.rate,
        unit: 'deliveries/s',
        ceiling: { name: 'bare undici loop, same windows', value: clarion.undici.rate },
        note: `${peer.delivered} over ${peer.seconds.toFixed(1)} s; ${Math.round(peer.delivered / peer.cpuSeconds)} deliveries per worker CPU-second (Redis CPU not counted); no persistence`,
      }),
      row({
        scenario,
        store: kind,
        metric: 'Clarion deliveries/s (delivery scenario) vs the peer, same windows',
        value: clarion.rate,
        unit: 'deliveries/s',
        ceiling: { name: 'BullMQ peer', value: peer.rate },
        target: '>= BullMQ',
        check: (_value, ratio) => (ratio ?? 0) >= 1,
        note: `${peer.spread} per round`,
      }),
    );
  }
  return rows;
}
