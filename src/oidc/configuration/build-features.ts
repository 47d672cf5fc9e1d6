import { errors, type Configuration } from 'oidc-provider';
import type { Config } from '../../config/load-config.js';
import { generateClientSecret } from '../../clients/client-secret.js';
import type { IntrospectionPolicy } from '../introspection-policy.js';
import type { ProviderPages } from '../provider-pages.js';
import { buildClaimsParameter } from './build-id-token-claims.js';

export function buildFeatures(config: Config, pages: ProviderPages, introspectionPolicy: IntrospectionPolicy): NonNullable<Configuration['features']> {
  const registrationEnabled = config.registrationToken !== undefined;
  return {
    // The development-only login pages must never be reachable (on by default in v9).
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: introspectionPolicy },
    revocation: {
      enabled: true,
      // RFC 7009 §2.1: a client revokes only tokens issued to it.
      allowedPolicy: (_ctx, client, token) => {
        if (token.clientId === client.clientId) return true;
        throw new errors.UnauthorizedClient('client is not authorized to revoke the presented token');
      },
    },
    userinfo: { enabled: true },
    deviceFlow: {
      enabled: true,
      userCodeInputSource: (ctx, form, out) => pages.deviceCodeInput(ctx, form, out),
      userCodeConfirmSource: (ctx, form, client, _deviceInfo, userCode) => pages.deviceCodeConfirm(ctx, form, client, userCode),
      successSource: (ctx) => pages.deviceSuccess(ctx),
    },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: (ctx, form) => pages.logoutConfirm(ctx, form),
      postLogoutSuccessSource: (ctx) => pages.logoutSuccess(ctx),
    },
    registration: {
      enabled: registrationEnabled,
      initialAccessToken: config.registrationToken ?? false,
      // RFC 7591 §2: the secret is ours to choose; 256 random bits.
      secretFactory: () => generateClientSecret(),
    },
    registrationManagement: { enabled: registrationEnabled, rotateRegistrationAccessToken: true },
    // On by default in v9 and kept on: they must work with the adapters.
    dPoP: { enabled: true },
    pushedAuthorizationRequests: { enabled: true },
    // Core §5.5 (claims_parameter_supported), with essential acr answered in build-id-token-claims.ts.
    claimsParameter: buildClaimsParameter(),
    // Core §6.1: signed request objects (request=), so relying parties and the
    // certification plans can send them; discovery lists
    // request_object_signing_alg_values_supported (build-client-policy.ts).
    // Unsigned ones are not accepted: `none` is not among those algorithms.
    requestObjects: { enabled: true, requireSignedRequestObject: false },
    // OpenID Connect Back-Channel Logout 1.0: when a session ends at
    // /session/end (RP-initiated logout and the account pages' sign-out), every
    // client with a backchannel_logout_uri in it receives a signed logout token
    // with sid; build-client-metadata.ts forces backchannel_logout_session_required.
    backchannelLogout: { enabled: true },
  };
}
