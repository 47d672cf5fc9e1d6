import { errors, type Configuration } from 'oidc-provider';
import { redirectUriProblems, type ApplicationType } from '../../clients/redirect-uri-policy.js';
import { ACCOUNT_CONSOLE_CLIENT_ID } from '../account/account-console-client.js';

/** Client properties beyond RFC 7591 that clients in code may set. */
export const EXTRA_CLIENT_PROPERTIES = ['first_party', 'allowed_origins', 'access_token_ttl', 'refresh_token_ttl', 'implicit_allowed'] as const;
/** Only operators grant these; a registration request that sets them is refused. */
const PRIVILEGED = new Set(['first_party', 'implicit_allowed']);
const IMPLICIT_RESPONSE_TYPES = new Set(['id_token', 'id_token token']);
const SELF_SERVICE_ROUTES = new Set(['registration', 'client_update']);

function invalid(message: string): never {
  throw new errors.InvalidClientMetadata(message);
}

function checkRedirects(metadata: Record<string, unknown>): void {
  const type = (metadata.application_type === 'native' ? 'native' : 'web') as ApplicationType;
  for (const key of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
    const uris = metadata[key];
    if (!Array.isArray(uris)) continue;
    const [problem] = redirectUriProblems(uris as string[], type);
    if (problem) invalid(`${key}: ${problem}`);
  }
}

/**
 * One synchronous validator for every client, however it arrived: our
 * redirect URI policy (RFC 8252, RFC 9700 §4.1) on top of oidc-provider's
 * own checks, implicit only where an operator enabled it, and privileged
 * properties out of reach of self-service registration.
 */
export function buildClientMetadata(): Pick<Configuration, 'extraClientMetadata'> {
  return {
    extraClientMetadata: {
      properties: [...EXTRA_CLIENT_PROPERTIES],
      validator(ctx, key, value, metadata) {
        const record = metadata as unknown as Record<string, unknown>;
        const selfService = SELF_SERVICE_ROUTES.has(String(ctx?.oidc?.route));
        if (selfService && PRIVILEGED.has(key) && value !== undefined && value !== false) {
          invalid(`${key} cannot be set through registration`);
        }
        if (key === 'allowed_origins' && value !== undefined) {
          if (!Array.isArray(value) || value.some((origin) => typeof origin !== 'string' || !/^https?:\/\/[^/]+$/.test(origin))) {
            invalid('allowed_origins must be a list of origins (scheme://host[:port])');
          }
        }
        if ((key === 'access_token_ttl' || key === 'refresh_token_ttl') && value !== undefined) {
          if (!Number.isInteger(value) || (value as number) <= 0) invalid(`${key} must be a positive whole number of seconds`);
          if (selfService) invalid(`${key} cannot be set through registration`);
        }
        // Run the whole-client checks once, on the first property.
        if (key === EXTRA_CLIENT_PROPERTIES[0]) {
          // The account console's redirect URI is the issuer's own /account/callback
          // (oidc/account/), so the policy for third-party URIs does not apply; it
          // would refuse the default http://localhost issuer.
          if (record.client_id !== ACCOUNT_CONSOLE_CLIENT_ID) checkRedirects(record);
          const responseTypes = (record.response_types as string[] | undefined) ?? [];
          if (responseTypes.some((type) => IMPLICIT_RESPONSE_TYPES.has(type)) && record.implicit_allowed !== true) {
            invalid('response_types: implicit response types are not offered (RFC 9700 §2.1.2); use code');
          }
        }
      },
    },
  };
}
