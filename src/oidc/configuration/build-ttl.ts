import type { Configuration } from 'oidc-provider';
import type { Config } from '../../config/load-config.js';

type TtlClient = { access_token_ttl?: number; refresh_token_ttl?: number; applicationType?: string; clientAuthMethod?: string } | undefined;
type TtlToken = { resourceServer?: { accessTokenTTL?: number }; isSenderConstrained?: () => boolean };

/** Lifetimes from config, overridable per client (clients in code) and per resource server. */
export function buildTtl(config: Config): NonNullable<Configuration['ttl']> {
  const { ttl } = config;
  const accessToken = (_ctx: unknown, token: TtlToken, client: TtlClient) =>
    token?.resourceServer?.accessTokenTTL ?? client?.access_token_ttl ?? ttl.accessToken;
  return {
    AccessToken: accessToken as never,
    ClientCredentials: accessToken as never,
    AuthorizationCode: ttl.authorizationCode,
    DeviceCode: ttl.deviceCode,
    BackchannelAuthenticationRequest: ttl.deviceCode,
    IdToken: ttl.accessToken,
    Interaction: ttl.interaction,
    RefreshToken: ((ctx: { oidc?: { entities?: { RotatedRefreshToken?: { remainingTTL: number } } } }, token: TtlToken, client: TtlClient) => {
      // A browser-based public client's rotated refresh token keeps the
      // remaining lifetime of the one it replaces instead of sliding forward
      // (RFC 9700 §4.14.2: bound the lifetime of unconstrained refresh tokens).
      const rotated = ctx?.oidc?.entities?.RotatedRefreshToken;
      if (rotated && client?.applicationType === 'web' && client.clientAuthMethod === 'none' && !token.isSenderConstrained?.()) {
        return rotated.remainingTTL;
      }
      return client?.refresh_token_ttl ?? ttl.refreshToken;
    }) as never,
    Session: ttl.session,
    // A grant must outlive the refresh tokens issued under it, or refreshing
    // would start failing before the refresh token itself expires.
    Grant: Math.max(ttl.refreshToken, ttl.session),
  };
}
