import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { escapeHtml } from '../../channels/email/email-format.ts';
import { ClarionError } from '../../errors.ts';
import type { UnsubscribeCell } from '../../preferences/unsubscribe-token.ts';
import type { MemberRow } from '../../store/member-repository.ts';
import type { RouteDeps } from '../route-deps.ts';
import { ErrorBody } from '../schemas.ts';

const Params = Type.Object({ token: Type.String({ minLength: 1, maxLength: 1024 }) });
const HtmlPage = { description: 'A small HTML page', content: { 'text/html': { schema: Type.String() } } };

// The pages carry no script and load nothing; the token in their URL must not leak through a
// Referer, a cache or a frame.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

/**
 * One-click unsubscribe (RFC 8058, RFC 2369): the link in a member's e-mail names one preference
 * cell, signed. POST turns exactly that cell off, with no login: mail providers send it when the
 * reader presses their "Unsubscribe" button, and the confirm page's form sends the same. GET only
 * shows the confirm page: mail clients and link scanners fetch links, and must change nothing.
 */
export const unsubscribeRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (
  app,
  { store, catalog, preferences, unsubscribeTokens },
) => {
  // RFC 8058 lets the receiver send the form in either encoding. The token alone decides what is
  // turned off, so the body (normally "List-Unsubscribe=One-Click") is accepted and not read.
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'],
    { parseAs: 'string', bodyLimit: 16 * 1024 },
    (_request, _body, done) => done(null, undefined),
  );

  /** The cell and its member, or the error a user can act on. */
  async function resolve(token: string): Promise<{ cell: UnsubscribeCell; member: MemberRow }> {
    const cell = unsubscribeTokens.verify(token);
    if (cell === undefined) throw new ClarionError('CLARION_ERR_UNSUBSCRIBE_LINK_INVALID');
    const member = await store.members.get(cell.organizationId, cell.userId);
    if (!member) throw new ClarionError('CLARION_ERR_MEMBER_NOT_FOUND', cell.userId, cell.organizationId);
    return { cell, member };
  }

  /** "“Deployment failed” e-mails for web-frontend in Acme", from what the store knows now. */
  async function describe(cell: UnsubscribeCell): Promise<string> {
    const organization = await store.organizations.get(cell.organizationId);
    const application =
      cell.applicationId === null
        ? undefined
        : await store.organizations.getApplication(cell.organizationId, cell.applicationId);
    const type = catalog.type(cell.eventType);
    const what = `“${type?.description ?? cell.eventType}” e-mails`;
    const where = cell.applicationId === null ? '' : ` for ${application?.name ?? cell.applicationId}`;
    return `${what}${where} in ${organization?.name ?? cell.organizationId}`;
  }

  app.get(
    '/v1/unsubscribe/:token',
    {
      config: { access: 'public' },
      schema: {
        tags: ['preferences'],
        summary: 'The confirm page of a one-click unsubscribe link (changes nothing)',
        security: [],
        params: Params,
        response: { 200: HtmlPage, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { cell } = await resolve(request.params.token);
      const what = escapeHtml(await describe(cell));
      return sendPage(
        reply,
        'Stop these e-mails?',
        `<p>You will no longer receive ${what}. Your other notifications stay as they are.</p>
<form method="post" action=""><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit" style="font-size:15px;padding:8px 16px;">Stop these e-mails</button></form>`,
      );
    },
  );

  app.post(
    '/v1/unsubscribe/:token',
    {
      config: { access: 'public' },
      schema: {
        tags: ['preferences'],
        summary:
          'One-click unsubscribe (RFC 8058): turns off the e-mail preference cell the signed token names; body List-Unsubscribe=One-Click',
        security: [],
        params: Params,
        response: { 200: HtmlPage, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { cell, member } = await resolve(request.params.token);
      await preferences.change(member, cell.applicationId, { [cell.eventType]: { email: false } }, 'none');
      const what = escapeHtml(await describe(cell));
      return sendPage(
        reply,
        'E-mails stopped',
        `<p>You will no longer receive ${what}. You can turn them on again in your notification settings.</p>`,
      );
    },
  );
};

function sendPage(reply: FastifyReply, title: string, body: string): FastifyReply {
  return reply.status(200).headers(PAGE_HEADERS).send(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body style="font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#24292f;max-width:520px;margin:48px auto;padding:0 16px;">
<h1 style="font-size:20px;">${escapeHtml(title)}</h1>
${body}
</body>
</html>
`);
}
