import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ClarionError } from '../../errors.ts';
import { billingOptOutHonoured, receivesBilling, roleReceivesGroup, BILLING_GROUP } from '../../routing/role-rules.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody } from '../schemas.ts';

const Recipient = Type.Object({
  user_id: Type.String(),
  email: Type.String(),
  role: Type.String(),
  receives: Type.Boolean({ description: 'Whether billing events reach this member now' }),
  opted_out: Type.Boolean({ description: 'An owner who turned billing off for themselves' }),
});
const Billing = Type.Object({
  organization: Type.String(),
  recipients: Type.Array(Recipient, { description: 'Owners and finance members' }),
});
const OrgParams = Type.Object({ org: Type.String() });
const OwnerParams = Type.Object({ org: Type.String(), user: Type.String() });

/**
 * Billing settings (product.md section 3, rule 4): who receives billing events, and each owner's
 * opt-out, refused while it would leave nobody receiving them. Finance members see and change
 * these; an owner changes their own opt-out.
 */
export const billingRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, clock }) => {
  async function answer(org: string) {
    const members = await store.members.all(org);
    const honoured = billingOptOutHonoured(members);
    const recipients = members
      .filter((member) => roleReceivesGroup(member.role, BILLING_GROUP))
      .map((member) => ({
        user_id: member.user_id,
        email: member.email,
        role: member.role,
        receives: receivesBilling(member) || !honoured,
        opted_out: member.billing_opt_out,
      }));
    return { organization: org, recipients };
  }

  app.get(
    '/v1/organizations/:org/billing',
    {
      config: { access: 'billing.read' },
      schema: {
        tags: ['billing'],
        summary: 'Who receives billing events (owners and finance members)',
        params: OrgParams,
        response: { 200: Billing, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      await requireOrganization(store, request.params.org);
      return answer(request.params.org);
    },
  );

  app.put(
    '/v1/organizations/:org/billing/owners/:user',
    {
      config: { access: 'billing.write' },
      schema: {
        tags: ['billing'],
        summary: 'Turn billing events on or off for an owner (refused if nobody would receive them)',
        params: OwnerParams,
        body: Type.Object({ receives: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Billing, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { org } = request.params;
      await requireOrganization(store, org);
      const caller = request.principal.kind === 'member' ? request.principal.userId : undefined;
      const user = request.params.user === 'me' && caller !== undefined ? caller : request.params.user;
      // An owner decides for themselves; finance members (and the platform) for any owner.
      if (request.memberRole === 'owner' && user !== caller) {
        throw new ClarionError('CLARION_ERR_FORBIDDEN_OTHER_MEMBER', user);
      }
      const result = await store.members.setBillingOptOut(org, user, !request.body.receives, clock.now());
      if ('refused' in result) {
        switch (result.refused) {
          case 'not-member':
            throw new ClarionError('CLARION_ERR_MEMBER_NOT_FOUND', user, org);
          case 'not-owner':
            throw new ClarionError('CLARION_ERR_BILLING_NOT_OWNER', user, result.member!.role);
          case 'last-recipient':
            throw new ClarionError('CLARION_ERR_BILLING_LAST_RECIPIENT', user);
        }
      }
      return answer(org);
    },
  );
};
