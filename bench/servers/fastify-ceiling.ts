// The ingest ceiling: a bare Fastify route that parses the same 1 KiB JSON body Clarion takes
// and answers 202 with a body shaped like Clarion's, with logging off. Whatever Clarion's
// POST /v1/events costs beyond this is Clarion's own work (checks, routing, the durable commit).
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
let seq = 0;
// Fastify has parsed and size-checked the JSON body before the handler runs, as for Clarion.
app.post('/v1/events', (_request, reply) => {
  seq += 1;
  return reply.status(202).send({ id: `evt_${seq}`, seq });
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ ready: (app.server.address() as { port: number }).port });
// An orphaned server would keep running: the IPC channel closes when the harness dies.
process.on('disconnect', () => process.exit(0));
