import type { Middleware } from 'koa';

const REGISTRATION_ROUTES = new Set(['registration', 'client_update']);

// oidc-provider's descriptions for a body that is not a JSON object
// (lib/shared/selective_body.js, lib/actions/registration.js with
// lib/shared/validate_json_body.js), which it answers with invalid_request.
const NOT_METADATA = [
  /^failed to parse the request body$/,
  /^client (registration|update) request must be a JSON object$/,
  /^only application\/json content-type bodies are supported/,
];

/**
 * Rewrites the error code of a registration (RFC 7591) or client update
 * (RFC 7592) answer, where oidc-provider offers no hook to choose it. RFC 7591
 * §3.2.2 defines the codes a registration error uses:
 * - a body that is not a JSON object (malformed JSON, an array, a string, a
 *   number, null, another content type) carries no valid client metadata:
 *   `invalid_client_metadata` rather than oidc-provider's `invalid_request`;
 * - a bad redirection URI has its own code, `invalid_redirect_uri`, where
 *   oidc-provider's client schema (and our policy in build-client-metadata.ts,
 *   which it runs) say `invalid_client_metadata`. post_logout_redirect_uris is
 *   not RFC 7591 metadata and keeps the generic code.
 * The description stays as the provider wrote it.
 */
export function createRegistrationErrorCodes(): Middleware {
  return async (ctx, next) => {
    await next();
    const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
    if (!route || !REGISTRATION_ROUTES.has(route) || ctx.status !== 400) return;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    const description = typeof body?.error_description === 'string' ? body.error_description : '';
    if (body?.error === 'invalid_request' && NOT_METADATA.some((pattern) => pattern.test(description))) {
      body.error = 'invalid_client_metadata';
    }
    if (body?.error === 'invalid_client_metadata' && /^redirect_uris\b/.test(description)) {
      body.error = 'invalid_redirect_uri';
    }
  };
}
