import type Provider from 'oidc-provider';

/**
 * Revokes a grant and everything issued under it: access and refresh tokens,
 * codes, device codes and CIBA requests, then the grant itself. The same
 * revocation oidc-provider performs for a replay it detects itself
 * (lib/helpers/revoke.js, not exported); used for a replay lost inside the
 * adapter (listeners/replay.ts, RFC 6749 §4.1.2, RFC 9700 §4.14.2) and when a
 * person disconnects an app on the account pages (oidc/account-pages/).
 */
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
