import type { Configuration } from 'oidc-provider';
import type { Config } from '../../config/load-config.js';

type TtlClient = { access_token_ttl?: number; refresh_token_ttl?: number; applicationType?: string; clientAuthMethod?: string } | undefined;
type TtlToken = { resourceServer?: { accessTokenTTL?: number }; isSenderConstrained?: () => boolean };

/** Lifetimes from config, overridable per client (clients in code) and per resource server. */
export function buildTtl(config: Config): NonNullable<Configuration['ttl']> {
  const { ttl } = config;
  // A public client cannot keep a secret, so a leaked bearer token of its is
  // usable by anyone: keep it short unless the client sets its own lifetime
  // (RFC 9700 §4.10, §2.2.2).
  const accessToken = (_ctx: unknown, token: TtlToken, client: TtlClient) =>
    token?.resourceServer?.accessTokenTTL ?? client?.access_token_ttl
      ?? (client?.clientAuthMethod === 'none' ? Math.min(config.publicClientAccessTokenTtl, ttl.accessToken) : ttl.accessToken);
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
    // Pages such as /device and /session/end store an anonymous session just to
    // hold their form's xsrf secret; anyone can create those rows, so they live
    // no longer than an interaction. Signing in saves the session again with
    // the full lifetime.
    Session: ((_ctx: unknown, session: { accountId?: string } | undefined) =>
      (session?.accountId ? ttl.session : Math.min(ttl.interaction, ttl.session))) as never,
    // A grant must outlive the refresh tokens issued under it, or refreshing
    // would start failing before the refresh token itself expires.
    Grant: Math.max(ttl.refreshToken, ttl.session),
  };
}
