import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { AlreadyConsumedError } from '../../../adapters/already-consumed-error.js';

/**
 * When two requests race to redeem one code or refresh token, the adapter lets
 * exactly one win and the loser fails with AlreadyConsumedError. The loser is a
 * replay like any other (RFC 6749 §4.1.2, RFC 9700 §4.14.2), so the grant and
 * every token issued under it are revoked, as oidc-provider does for a replay
 * it detects itself.
 */
export function listenRevokeOnReplay(provider: Provider, onError: (err: unknown) => void): void {
  provider.on('grant.error', (_ctx: KoaContextWithOIDC, error: unknown) => {
    if (!(error instanceof AlreadyConsumedError)) return;
    const { grantId } = error as AlreadyConsumedError;
    if (grantId) revokeGrant(provider, grantId).catch(onError);
  });
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
