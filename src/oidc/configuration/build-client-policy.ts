import type { Configuration } from 'oidc-provider';

// Client secrets are stored hashed, so nothing that needs the plaintext secret
// on the server side can be offered: no client_secret_jwt (RFC 7523 with an
// HMAC of the secret) and no HS* signing. private_key_jwt is the alternative.
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
const ASYMMETRIC_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
/**
 * RFC 9449 §5.1: the DPoP proof algorithms. One list for the token endpoint
 * (enabledJWA.dPoPSigningAlgValues, advertised in discovery) and the example
 * API (api/dpop-proof.ts), so a key the API accepts is never refused here.
 */
export const DPOP_SIGNING_ALGS = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const;

/** RFC 9700 §2.1.1: PKCE unless a confidential client is marked `pkce: optional`. */
export function isPkceRequired(client: { clientAuthMethod?: string }): boolean {
  return client.clientAuthMethod === 'none' || (client as { pkce?: unknown }).pkce !== 'optional';
}

export function buildClientPolicy(implicit: boolean): Partial<Configuration> {
  return {
    clientAuthMethods: [...CLIENT_AUTH_METHODS],
    // RFC 8414 §2: oidc-provider authenticates clients at revocation and
    // introspection exactly as at the token endpoint, but advertises only the
    // token endpoint's list; without these a client assumes client_secret_basic.
    // The `discovery` option adds members the library does not derive itself.
    discovery: {
      revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      revocation_endpoint_auth_signing_alg_values_supported: [...ASYMMETRIC_ALGS],
      introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      introspection_endpoint_auth_signing_alg_values_supported: [...ASYMMETRIC_ALGS],
    },
    enabledJWA: {
      clientAuthSigningAlgValues: [...ASYMMETRIC_ALGS],
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      userinfoSigningAlgValues: ['RS256', 'ES256'],
      introspectionSigningAlgValues: ['RS256', 'ES256'],
      authorizationSigningAlgValues: ['RS256', 'ES256'],
      requestObjectSigningAlgValues: [...ASYMMETRIC_ALGS],
      dPoPSigningAlgValues: [...DPOP_SIGNING_ALGS],
    },
    // Authorization code is the interactive response type (RFC 9700 §2.1.2);
    // implicit exists only when a client in code opts into it.
    responseTypes: implicit ? ['code', 'id_token', 'id_token token', 'none'] : ['code', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    // PKCE (S256 is the only method oidc-provider v9 implements) for every
    // authorization code, public and confidential clients alike (RFC 9700 §2.1.1),
    // except a confidential client an operator marked `pkce: optional`
    // (build-client-metadata.ts refuses it for public clients and, unless
    // REGISTRATION_ALLOW_PKCE_OPTIONAL, through registration). A code_challenge
    // such a client does send is still verified.
    pkce: { required: (_ctx, client) => isPkceRequired(client) },
    // The resource owner password grant is not offered at all (RFC 9700 §2.4).
  };
}
