import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { AlreadyConsumedError } from '../../../adapters/already-consumed-error.js';

// RFC 8628 defines no replay rule for device codes: a device polling twice at
// once is not an attack, and revoking would take the tokens away from the
// poll that won (device-flow/spent-device-code.ts has the measured case).
const GRANTS_WITHOUT_REPLAY_REVOCATION = new Set(['urn:ietf:params:oauth:grant-type:device_code']);

/**
 * When two requests race to redeem one code or refresh token, the adapter lets
 * exactly one win and the loser fails with AlreadyConsumedError. The loser is a
 * replay like any other (RFC 6749 §4.1.2, RFC 9700 §4.14.2), so the grant and
 * every token issued under it are revoked, as oidc-provider does for a replay
 * it detects itself. (Within a client's refresh-token reuse leeway the adapter
 * lets the repeat consume succeed, so no error and nothing revoked.)
 *
 * The returned middleware holds the loser's answer until the revocation is
 * done, so once a client has seen invalid_grant the family is already gone
 * (on every instance), not "soon".
 */
export function listenRevokeOnReplay(provider: Provider, onError: (err: unknown) => void): Middleware {
  const pending = new WeakMap<object, Promise<void>>();
  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: unknown) => {
    if (!(error instanceof AlreadyConsumedError)) return;
    const grantType = (ctx.oidc?.params as Record<string, unknown> | undefined)?.grant_type;
    if (typeof grantType === 'string' && GRANTS_WITHOUT_REPLAY_REVOCATION.has(grantType)) return;
    const { grantId } = error;
    if (grantId) pending.set(ctx, revokeGrant(provider, grantId).catch(onError));
  });
  return async (ctx, next) => {
    await next();
    await pending.get(ctx);
  };
}

export async function revokeGrant(provider: Provider, grantId: string): Promise<void> {
  await Promise.all([
    provider.AccessToken.revokeByGrantId(grantId),
    provider.RefreshToken.revokeByGrantId(grantId),
    provider.AuthorizationCode.revokeByGrantId(grantId),
    provider.DeviceCode.revokeByGrantId(grantId),
    provider.BackchannelAuthenticationRequest.revokeByGrantId(grantId),
  ]);
  const grant = await provider.Grant.find(grantId);
  await grant?.destroy();
}
