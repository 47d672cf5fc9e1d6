import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../../config/load-config.js';

/**
 * The authentication context class of a password sign-in: the REFEDS
 * Single-Factor Authentication profile, the value research and education
 * federations (oidc-agent's users among them) already understand.
 */
export const PASSWORD_ACR = 'https://refeds.org/profile/sfa';
/**
 * Two factors (a password and a passkey or code, or a passkey with user
 * verification): the REFEDS MFA Profile. A client asks for it with
 * acr_values (or an essential acr claim) and gets a second-factor prompt
 * (build-interaction-policy.ts).
 */
export const MFA_ACR = 'https://refeds.org/profile/mfa';
/** acr_values_supported (OpenID Connect Discovery §3); the login result names one of these. */
export const ACR_VALUES: readonly string[] = Object.freeze([PASSWORD_ACR, MFA_ACR]);

type ClaimsParameterFeature = NonNullable<NonNullable<Configuration['features']>['claimsParameter']>;
interface AcrRequest { essential?: unknown; value?: unknown; values?: unknown }

function requestedAcrs(request: AcrRequest): unknown[] {
  if (Array.isArray(request.values)) return request.values;
  return request.value === undefined ? [] : [request.value];
}

/**
 * Core §5.5: the `claims` request parameter, advertised as
 * claims_parameter_supported. An essential `acr` (Core §5.5.1.1) that no
 * supported class satisfies cannot be met by signing in again, so it is a
 * failed authentication: `unmet_authentication_requirements` (OpenID Connect
 * Unmet Authentication Requirements 1.0) instead of a login loop. A voluntary
 * acr (acr_values, or without `essential`) is answered with the class the
 * sign-in achieved, as Core §3.1.2.1 describes.
 */
export function buildClaimsParameter(): ClaimsParameterFeature {
  return {
    enabled: true,
    assertClaimsParameter(_ctx: KoaContextWithOIDC, claims) {
      const acr = (claims as { id_token?: { acr?: AcrRequest | null } }).id_token?.acr;
      if (!acr || acr.essential !== true) return;
      const wanted = requestedAcrs(acr);
      if (wanted.length > 0 && !wanted.some((value) => typeof value === 'string' && ACR_VALUES.includes(value))) {
        throw new errors.UnmetAuthenticationRequirements('none of the requested authentication context classes is supported');
      }
    },
  };
}

/**
 * ID_TOKEN_CLAIMS=scopes (default): the claims of the granted scopes appear
 * in the ID token as well as at userinfo, as Google and Keycloak do and as
 * relying parties such as Auth.js expect (oidc-provider's
 * conformIdTokenClaims: false). `strict` keeps Core §5.4: when an access token
 * is issued, scope claims are served only from userinfo.
 */
export function buildIdTokenClaims(config: Config): Pick<Configuration, 'conformIdTokenClaims' | 'acrValues'> {
  return {
    conformIdTokenClaims: config.protocol.idTokenClaims === 'strict',
    acrValues: [...ACR_VALUES],
  };
}

/**
 * Core §2: `acr` and `amr` describe the sign-in, and relying parties read them
 * from every ID token. oidc-provider puts a claim in an ID token only when a
 * granted scope or the claims parameter names it, so both are listed under
 * `openid`; userinfo never has them (they are not account claims).
 */
export function withSignInClaims(claims: Record<string, string[]>): Record<string, string[]> {
  return { ...claims, openid: [...new Set([...(claims.openid ?? ['sub']), 'acr', 'amr'])] };
}
