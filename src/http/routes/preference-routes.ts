import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import { ClarionError } from '../../errors.ts';
import type { RowInput } from '../../preferences/preference-service.ts';
import type { MemberRow } from '../../store/member-repository.ts';
import type { Store } from '../../store/store.ts';
import { requireOrganization, type RouteDeps } from '../route-deps.ts';
import { ErrorBody } from '../schemas.ts';

const Channel = Type.Union([Type.Literal('email'), Type.Literal('browser'), Type.Literal('ios')]);
const CellValue = Type.Union([Type.Boolean(), Type.Null()], {
  description: 'true or false sets the cell; null clears it, so it inherits again',
});
const Row = Type.Object(
  { email: Type.Optional(CellValue), browser: Type.Optional(CellValue), ios: Type.Optional(CellValue) },
  { additionalProperties: false },
);
const Cell = Type.Object({
  enabled: Type.Boolean(),
  source: Type.Union([Type.Literal('default'), Type.Literal('account'), Type.Literal('application')]),
});
const Matrix = Type.Object({
  organization: Type.String(),
  user_id: Type.String(),
  application: Type.Union([Type.String(), Type.Null()]),
  data: Type.Array(
    Type.Object({
      event_type: Type.String(),
      description: Type.String(),
      groups: Type.Array(Type.String()),
      receivable: Type.Boolean({ description: "False when the member's role keeps this type from them" }),
      channels: Type.Object({ email: Cell, browser: Cell, ios: Cell }),
    }),
  ),
});

interface LevelParams {
  org: string;
  user: string;
  app?: string;
}

/** The two levels of the matrix: the account, and one application (overriding the account). */
const LEVELS = [
  {
    prefix: '/v1/organizations/:org/members/:user/preferences',
    params: { org: Type.String(), user: Type.String() },
    words: 'account',
  },
  {
    prefix: '/v1/organizations/:org/members/:user/applications/:app/preferences',
    params: { org: Type.String(), user: Type.String(), app: Type.String() },
    words: 'application',
  },
] as const;

/**
 * A member's personal preferences (event type x email/browser/ios), at the account level and per
 * application. Members change only their own (`me` names the caller); the platform anyone's.
 */
export const preferenceRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, preferences }) => {
  for (const level of LEVELS) {
    const Params = Type.Object(level.params);
    const RowParams = Type.Object({ ...level.params, type: Type.String() });
    const CellParams = Type.Object({ ...level.params, type: Type.String(), channel: Channel });
    const common = (summary: string, params: TSchema, body?: TSchema) => ({
      config: { access: 'self' as const },
      schema: {
        tags: ['preferences'],
        summary,
        params,
        ...(body ? { body } : {}),
        response: { 200: Matrix, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    });

    app.get(
      level.prefix,
      common(`Read the ${level.words} preference matrix, each cell with its source`, Params),
      (request) => answer(request.params as LevelParams),
    );

    app.put(
      level.prefix,
      common(
        `Replace the whole ${level.words} matrix: cells not given are cleared`,
        Params,
        Type.Record(Type.String(), Row, { description: 'Rows by event type' }),
      ),
      async (request) => {
        const params = request.params as LevelParams;
        await change(params, request.body as Record<string, RowInput>, 'matrix');
        return answer(params);
      },
    );

    app.put(
      `${level.prefix}/:type`,
      common(
        `Replace one row (event type) of the ${level.words} matrix: channels not given are cleared`,
        RowParams,
        Row,
      ),
      async (request) => {
        const params = request.params as LevelParams & { type: string };
        await change(params, { [params.type]: request.body as RowInput }, 'row');
        return answer(params);
      },
    );

    app.put(
      `${level.prefix}/:type/:channel`,
      common(
        `Set one cell of the ${level.words} matrix`,
        CellParams,
        Type.Object({ enabled: CellValue }, { additionalProperties: false }),
      ),
      async (request) => {
        const params = request.params as LevelParams & { type: string; channel: string };
        const { enabled } = request.body as { enabled: boolean | null };
        await change(params, { [params.type]: { [params.channel]: enabled } }, 'none');
        return answer(params);
      },
    );

    app.delete(
      `${level.prefix}/:type/:channel`,
      common(`Clear one cell of the ${level.words} matrix (it inherits again)`, CellParams),
      async (request) => {
        const params = request.params as LevelParams & { type: string; channel: string };
        await change(params, { [params.type]: { [params.channel]: null } }, 'none');
        return answer(params);
      },
    );
  }

  async function answer(params: LevelParams) {
    const member = await requireMember(store, params.org, params.user);
    const application = params.app ?? null;
    return {
      organization: params.org,
      user_id: params.user,
      application,
      data: await preferences.matrix(member, application),
    };
  }

  async function change(params: LevelParams, rows: Record<string, RowInput>, replace: 'none' | 'row' | 'matrix') {
    const member = await requireMember(store, params.org, params.user);
    await preferences.change(member, params.app ?? null, rows, replace);
  }
};

async function requireMember(store: Store, org: string, user: string): Promise<MemberRow> {
  await requireOrganization(store, org);
  const member = await store.members.get(org, user);
  if (!member) throw new ClarionError('CLARION_ERR_MEMBER_NOT_FOUND', user, org);
  return member;
}
