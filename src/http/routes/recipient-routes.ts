import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { roleHas } from '../../access/permissions.ts';
import { ClarionError } from '../../errors.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody } from '../schemas.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const Decision = Type.Object({
  decision: Type.Union([Type.Literal('deliver'), Type.Literal('skip')]),
  rule: Type.String({ description: 'The rule that decided, in words' }),
  channel: Type.String(),
  hook: NullableString,
  user: NullableString,
  address: NullableString,
  delivery: Type.Optional(
    Type.Object({ id: Type.String(), status: Type.String(), attempts: Type.Integer(), last_error: NullableString }),
  ),
});

/**
 * "Why": every delivery an event produced and, on request, every hook and member it did not
 * reach, each with the rule that decided. Both halves are what routing returned when the event
 * was ingested (the deliveries' reasons and the stored skips), never a second evaluation.
 */
export const recipientRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store }) => {
  app.get(
    '/v1/organizations/:org/events/:id/recipients',
    {
      config: { access: 'organization.read' },
      schema: {
        tags: ['events'],
        summary: 'Who the event reached and, with include=skipped, who it did not, with the rule for each',
        description: 'Members whose role cannot read events (finance) may ask only about themselves: user=me.',
        params: Type.Object({ org: Type.String(), id: Type.String() }),
        querystring: Type.Object({
          include: Type.Optional(Type.Literal('skipped', { description: 'Add the hooks and members not reached' })),
          user: Type.Optional(Type.String({ description: 'Only entries about this member (`me`: the caller)' })),
        }),
        response: {
          200: Type.Object({
            event: Type.Object({ id: Type.String(), seq: Type.Integer(), type: Type.String() }),
            data: Type.Array(Decision),
          }),
          403: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { org, id } = request.params;
      const { principal, memberRole } = request;
      await requireOrganization(store, org);
      let user = request.query.user;
      if (user === 'me' && principal.kind === 'member') user = principal.userId;
      // Anyone in the organization may ask about themselves; the whole picture needs events.read.
      if (principal.kind === 'member' && user !== principal.userId && !roleHas(memberRole!, 'events.read')) {
        throw new ClarionError('CLARION_ERR_FORBIDDEN_ROLE', memberRole!, org, 'ask why about other members');
      }
      const event = await store.events.get(org, id);
      if (!event) throw new ClarionError('CLARION_ERR_EVENT_NOT_FOUND', id, org);

      // A large fan-out's deliveries are written after the 202, in plan order. The plan is read
      // first: every delivery written by then is among the rows read next, and the plan entries
      // past their count are the ones not written yet.
      const plan = await store.fanouts.planOf(event.seq);
      const rows = await store.deliveries.forEvent(event.seq);
      const delivered = rows.map((row) => ({
        decision: 'deliver' as const,
        rule: row.reason,
        channel: row.channel,
        hook: row.hook_id,
        user: row.user_id,
        address: row.address,
        delivery: { id: row.id, status: row.status, attempts: row.attempts, last_error: row.last_error },
      }));
      const planned = (plan ?? []).slice(rows.length).map((entry) => ({
        decision: 'deliver' as const,
        rule: entry.reason,
        channel: entry.channel,
        hook: entry.hookId,
        user: entry.userId,
        address: entry.address,
      }));
      const skipped =
        request.query.include === 'skipped'
          ? (await store.events.skippedFor(event.seq)).map((entry) => ({
              decision: 'skip' as const,
              rule: entry.rule,
              channel: entry.channel,
              hook: entry.hookId,
              user: entry.userId,
              address: entry.address,
            }))
          : [];
      const data = [...delivered, ...planned, ...skipped].filter((entry) => user === undefined || entry.user === user);
      return { event: { id: event.id, seq: event.seq, type: event.type }, data };
    },
  );
};
