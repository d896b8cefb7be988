import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { dashboardBundle } from './dashboard-bundle.ts';

/**
 * The pages' only sources are this origin: the bundle, the API, its streams. Styles set from
 * script (the charts) are CSSOM writes, which `style-src 'self'` allows.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Dashboard URLs (the client routes them); e-mails link to `/organizations/{org}/events/{id}`. */
const PAGE_PATHS = ['/', '/login', '/inbox', '/organizations', '/organizations/*'];

/**
 * The web dashboard, served by the API process at `/`: one page for every dashboard URL, the
 * content-hashed bundle under `/assets/`, and the service worker at `/sw.js` (its scope is the
 * whole origin). Everything the pages show comes from the public HTTP API.
 */
export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const bundle = await dashboardBundle();
  const page = (reply: FastifyReply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('referrer-policy', 'same-origin')
      .header('x-content-type-options', 'nosniff')
      .send(bundle.indexHtml);
  for (const url of PAGE_PATHS) {
    app.get(url, { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) => page(reply));
  }
  for (const [url, asset] of bundle.assets) {
    app.get(url, { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) =>
      reply
        .header('content-type', asset.contentType)
        .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .send(asset.body),
    );
  }
};
