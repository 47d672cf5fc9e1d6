import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import {
  backchannelLogoutUriProblem, isLoopbackRedirect, isPrivateUseSchemeRedirect, quoteValue, redirectUriProblems,
  type ApplicationType, type RedirectUriRules,
} from '../../clients/redirect-uri-policy.js';
import { isImplicitResponseType, isOrigin } from '../../clients/client-metadata.js';
import { ACCOUNT_PAGES_CLIENT_ID } from '../account-pages/account-pages-client.js';
import { isRegistrationRoute } from '../registration/registration-routes.js';
import { findUnstorableText } from '../../db/storable-text.js';

/** Client properties beyond RFC 7591 that clients in code may set. */
export const EXTRA_CLIENT_PROPERTIES = ['first_party', 'allowed_origins', 'access_token_ttl', 'refresh_token_ttl', 'implicit_allowed', 'pkce', 'auto_approve_scopes', 'refresh_reuse_leeway', 'require_mfa'] as const;
/** Only operators grant these; a registration request that sets them is refused. */
const PRIVILEGED = new Set(['first_party', 'implicit_allowed', 'auto_approve_scopes']);

export interface ClientMetadataPolicy {
  /** REDIRECT_URI_LOCALHOST. */
  readonly redirectRules: RedirectUriRules;
  /** REGISTRATION_ALLOW_PKCE_OPTIONAL: whether a self-registered confidential client may set `pkce: optional`. */
  readonly registrationAllowPkceOptional: boolean;
}

type Metadata = Record<string, unknown>;

function invalid(message: string): never {
  throw new errors.InvalidClientMetadata(message);
}

function checkRedirects(metadata: Metadata, rules: RedirectUriRules): void {
  const type = (metadata.application_type === 'native' ? 'native' : 'web') as ApplicationType;
  for (const key of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
    const uris = metadata[key];
    if (!Array.isArray(uris)) continue;
    const [problem] = redirectUriProblems(uris as string[], type, rules);
    if (problem) invalid(`${key}: ${problem}`);
  }
}

/**
 * A self-registered client whose redirect URIs include a private-use scheme
 * (RFC 8252 §7.1), the rest being loopback redirects (§7.3), can only be a
 * native app, whatever application_type it sent: oidc-agent sends `web` with
 * `edu.kit.data.oidc-agent:/redirect` and http://localhost ports. RFC 7591
 * §3.2.1 lets the server replace requested metadata with suitable values (the
 * response shows `native`), which is the honest description of the client and
 * keeps the web rules (https only, OpenID Connect Registration §2) intact.
 * Only-loopback clients stay web: a browser app in development is one too.
 */
function inferNativeApplication(metadata: Metadata): void {
  const uris = Array.isArray(metadata.redirect_uris) ? metadata.redirect_uris as unknown[] : [];
  const grantTypes = Array.isArray(metadata.grant_types) ? metadata.grant_types as unknown[] : [];
  if (metadata.application_type !== 'web' || uris.length === 0 || grantTypes.includes('implicit')) return;
  const strings = uris.filter((uri): uri is string => typeof uri === 'string');
  if (strings.length !== uris.length || !strings.some(isPrivateUseSchemeRedirect)) return;
  if (strings.every((uri) => isPrivateUseSchemeRedirect(uri) || isLoopbackRedirect(uri))) metadata.application_type = 'native';
}

function checkPkce(metadata: Metadata, selfService: boolean, policy: ClientMetadataPolicy): void {
  const { pkce } = metadata;
  if (pkce === undefined || pkce === 'required') return;
  if (pkce !== 'optional') invalid('pkce must be required or optional');
  // RFC 9700 §2.1.1: a public client has nothing else that binds the code to it.
  if (metadata.token_endpoint_auth_method === 'none') invalid('pkce: a public client always uses PKCE (RFC 9700 §2.1.1)');
  if (selfService && !policy.registrationAllowPkceOptional) invalid('pkce cannot be made optional through registration');
}

/**
 * Back-Channel Logout 1.0: the target is checked like a redirect, and a
 * client with one always gets `sid` in its logout tokens and ID tokens
 * (backchannel_logout_session_required forced on, RFC 7591 §3.2.1), so it can
 * end the one session the token names.
 */
function checkBackchannelLogout(metadata: Metadata, selfService: boolean): void {
  const uri = metadata.backchannel_logout_uri;
  if (uri === undefined) return;
  const confidential = metadata.token_endpoint_auth_method !== 'none';
  const problem = backchannelLogoutUriProblem(String(uri), { confidential, selfService });
  if (problem) invalid(`backchannel_logout_uri ${quoteValue(String(uri))} ${problem}`);
  metadata.backchannel_logout_session_required = true;
}

function checkProperty(key: string, value: unknown, selfService: boolean): void {
  // Strong authentication: only makes sign-in stricter, so registration may set it too.
  if (key === 'require_mfa' && value !== undefined && typeof value !== 'boolean') invalid('require_mfa must be true or false');
  if (selfService && PRIVILEGED.has(key) && value !== undefined && value !== false) {
    invalid(`${key} cannot be set through registration`);
  }
  if (key === 'allowed_origins' && value !== undefined) {
    if (!Array.isArray(value) || value.some((origin) => typeof origin !== 'string' || !isOrigin(origin))) {
      invalid('allowed_origins must be a list of origins (scheme://host[:port])');
    }
  }
  if (key === 'auto_approve_scopes' && value !== undefined && (!Array.isArray(value) || value.some((scope) => typeof scope !== 'string'))) {
    invalid('auto_approve_scopes must be a list of scopes');
  }
  if ((key === 'access_token_ttl' || key === 'refresh_token_ttl') && value !== undefined) {
    if (!Number.isInteger(value) || (value as number) <= 0) invalid(`${key} must be a positive whole number of seconds`);
    if (selfService) invalid(`${key} cannot be set through registration`);
  }
  // Weakens replay detection (RFC 9700 §4.14.2) for the client's refresh
  // tokens, so only an operator sets it (clients in code, the CLI).
  if (key === 'refresh_reuse_leeway' && value !== undefined) {
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 60) invalid('refresh_reuse_leeway must be a whole number of seconds from 0 to 60');
    if (selfService) invalid('refresh_reuse_leeway cannot be set through registration');
  }
}

function checkClient(metadata: Metadata, selfService: boolean, policy: ClientMetadataPolicy): void {
  // NUL or half a surrogate pair would reach Postgres' jsonb, which refuses
  // them with an error (issue 16 item 7); RFC 7591 §3.2.2 names the answer.
  const unstorable = findUnstorableText(metadata);
  if (unstorable) invalid(`${unstorable} contains characters that are not allowed (control characters or invalid Unicode)`);
  if (selfService) inferNativeApplication(metadata);
  // The account pages' client's redirect URI is the issuer's own /account/callback
  // (oidc/account-pages/), so the policy for third-party URIs does not apply; it
  // would refuse the default http://localhost issuer under REDIRECT_URI_LOCALHOST=deny.
  if (metadata.client_id !== ACCOUNT_PAGES_CLIENT_ID) checkRedirects(metadata, policy.redirectRules);
  const responseTypes = (metadata.response_types as string[] | undefined) ?? [];
  if (responseTypes.some(isImplicitResponseType) && metadata.implicit_allowed !== true) {
    invalid('response_types: implicit response types are not offered (RFC 9700 §2.1.2); use code');
  }
  checkPkce(metadata, selfService, policy);
  checkBackchannelLogout(metadata, selfService);
}

/**
 * One synchronous validator for every client, however it arrived: our
 * redirect URI policy (RFC 8252, RFC 9700 §4.1) on top of oidc-provider's
 * own checks, implicit only where an operator enabled it, and privileged
 * properties out of reach of self-service registration. oidc-provider runs it
 * before its own schema checks and documents changing `metadata` here
 * (extraClientMetadata.validator); `ctx` is set only for registration and update.
 */
export function buildClientMetadata(policy: ClientMetadataPolicy): Pick<Configuration, 'extraClientMetadata'> {
  return {
    extraClientMetadata: {
      properties: [...EXTRA_CLIENT_PROPERTIES],
      validator(ctx: KoaContextWithOIDC | undefined, key, value, metadata) {
        const selfService = isRegistrationRoute(ctx?.oidc?.route);
        checkProperty(key, value, selfService);
        // Run the whole-client checks once, on the first property.
        if (key === EXTRA_CLIENT_PROPERTIES[0]) checkClient(metadata as unknown as Metadata, selfService, policy);
      },
    },
  };
}
