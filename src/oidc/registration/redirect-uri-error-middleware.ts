import type { Middleware } from 'koa';

const REGISTRATION_ROUTES = new Set(['registration', 'client_update']);

/**
 * RFC 7591 §3.2.2 has its own error code for a bad redirection URI,
 * `invalid_redirect_uri`; oidc-provider's client schema (and our policy in
 * build-client-metadata.ts, which it runs) answer every metadata problem with
 * `invalid_client_metadata`. This renames the code when the problem is in
 * `redirect_uris`; the description, naming the URI and the rule, stays.
 * post_logout_redirect_uris is not RFC 7591 metadata and keeps the generic code.
 */
export function createRedirectUriErrorMiddleware(): Middleware {
  return async (ctx, next) => {
    await next();
    const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
    if (!route || !REGISTRATION_ROUTES.has(route) || ctx.status !== 400) return;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (body?.error === 'invalid_client_metadata' && typeof body.error_description === 'string' && /^redirect_uris\b/.test(body.error_description)) {
      body.error = 'invalid_redirect_uri';
    }
  };
}
