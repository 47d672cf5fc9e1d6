import type { Middleware } from 'koa';

interface OidcState {
  route?: string;
  params?: { grant_type?: unknown };
  client?: { grantTypeAllowed(type: string): boolean };
}

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

function grantTypeOf(oidc: OidcState): string | undefined {
  if (oidc.route === 'token') return typeof oidc.params?.grant_type === 'string' ? oidc.params.grant_type : undefined;
  return oidc.route === 'device_authorization' ? DEVICE_CODE : undefined;
}

/**
 * RFC 6749 §5.2: an authenticated client asking for a grant type it is not
 * registered for gets `unauthorized_client`. oidc-provider answers
 * `invalid_request` (lib/actions/token.js allowedGrantTypeCheck,
 * lib/actions/authorization/client.js for the device endpoint) and offers no
 * option to change it, so this renames the code after the fact. It acts only
 * on the state that defines the case, not on message text: a client was
 * authenticated, the grant type is one the server supports (otherwise the
 * answer is already unsupported_grant_type) and that client may not use it.
 */
export function createUnauthorizedGrantMiddleware(): Middleware {
  return async (ctx, next) => {
    await next();
    const oidc = (ctx as { oidc?: OidcState }).oidc;
    if (ctx.status !== 400 || !oidc?.client) return;
    const body = ctx.body as { error?: unknown } | undefined;
    const grantType = grantTypeOf(oidc);
    if (body?.error === 'invalid_request' && grantType && !oidc.client.grantTypeAllowed(grantType)) {
      body.error = 'unauthorized_client';
    }
  };
}
