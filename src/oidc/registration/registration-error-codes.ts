import type { Middleware } from 'koa';
import { isRegistrationRoute } from './registration-routes.js';

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
 * (RFC 7592) answer, where oidc-provider offers no hook to choose it: a body
 * that is not a JSON object (malformed JSON, an array, a string, a number,
 * null, another content type) carries no valid client metadata, so RFC 7591
 * §3.2.2 says `invalid_client_metadata` where oidc-provider answers
 * `invalid_request`. The description stays as the provider wrote it. (A bad
 * redirection URI needs no rewrite: oidc-provider's InvalidClientMetadata
 * already answers `invalid_redirect_uri` for a description about
 * redirect_uris, which our policy in build-client-metadata.ts writes.)
 */
export function createRegistrationErrorCodes(): Middleware {
  return async (ctx, next) => {
    await next();
    const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
    if (!isRegistrationRoute(route) || ctx.status !== 400) return;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    const description = typeof body?.error_description === 'string' ? body.error_description : '';
    if (body?.error === 'invalid_request' && NOT_METADATA.some((pattern) => pattern.test(description))) {
      body.error = 'invalid_client_metadata';
    }
  };
}
