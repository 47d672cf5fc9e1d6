/**
 * The clients and the user every benchmarked server knows. The baseline gets
 * the same clients with PLAINTEXT secrets (oidc-provider's own comparison);
 * our servers store them as scrypt hashes (src/clients/client-secret.ts).
 */
export const BENCH_USER = { username: 'bench@example.com', password: 'bench-password-0123456789', name: 'Bench User' };

export const REDIRECT_URI = 'https://app.example.com/callback';
export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export const SERVICE_CLIENT = { id: 'bench-service', secret: 'bench-service-secret-0123456789-0123456789-abcdef' };
export const WEB_CLIENT = { id: 'bench-web', secret: 'bench-web-secret-0123456789-0123456789-abcdefghij' };
export const TV_CLIENT = { id: 'bench-tv' };

/** Lifetimes long enough that nothing minted ahead expires during one run. */
export const BENCH_TTL = { authorizationCode: 900, deviceCode: 1800, accessToken: 3600 };

export interface BenchClientMetadata {
  client_id: string;
  client_secret?: string;
  [key: string]: unknown;
}

/** Client metadata as RFC 7591 names it; secrets in plain text (the caller hashes them where it stores them). */
export function benchClients(): BenchClientMetadata[] {
  return [
    {
      client_id: SERVICE_CLIENT.id, client_secret: SERVICE_CLIENT.secret,
      grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    },
    {
      client_id: WEB_CLIENT.id, client_secret: WEB_CLIENT.secret, client_name: 'Bench Web',
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: [REDIRECT_URI],
    },
    {
      client_id: TV_CLIENT.id, token_endpoint_auth_method: 'none',
      grant_types: [DEVICE_GRANT, 'refresh_token'], response_types: [], redirect_uris: [],
    },
  ];
}

export function basicAuth(client: { id: string; secret: string }): string {
  // RFC 6749 §2.3.1: form-urlencode both parts before base64.
  return `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
}
