import { z } from 'zod';

export const GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code',
  'implicit',
] as const;

/**
 * What an operator writes in clients.config.ts. Secrets are never literals:
 * `secretEnv` names the environment variable that holds the secret.
 */
export const clientDefinitionSchema = z.object({
  clientId: z.string().regex(/^[A-Za-z0-9._~-]{3,128}$/, { message: 'clientId must be 3-128 characters of A-Z a-z 0-9 . _ ~ -' }),
  name: z.string().min(1).max(200),
  type: z.enum(['confidential', 'public']),
  applicationType: z.enum(['web', 'native']).default('web'),
  redirectUris: z.array(z.string()).default([]),
  postLogoutRedirectUris: z.array(z.string()).default([]),
  grantTypes: z.array(z.enum(GRANT_TYPES)).min(1),
  responseTypes: z.array(z.enum(['code', 'id_token', 'id_token token', 'none'])).optional(),
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).optional(),
  secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'secretEnv must be an environment variable name' }).optional(),
  jwksUri: z.string().url().optional(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/)).min(1),
  allowedOrigins: z.array(z.string()).optional(),
  accessTokenTtl: z.number().int().positive().optional(),
  refreshTokenTtl: z.number().int().positive().optional(),
  /**
   * Seconds during which a refresh token just rotated may be presented again
   * and rotates again instead of revoking the grant (a retry after a lost
   * answer, two tabs refreshing at once). Off unless set; at most 60. Within
   * it, a stolen token replayed is not detected (RFC 9700 §4.14.2).
   */
  refreshReuseLeewaySeconds: z.number().int().min(0).max(60).optional(),
  firstParty: z.boolean().default(false),
  /**
   * Scopes people are not asked about for this client (an operator approved
   * them in advance); consent asks only for the rest and is skipped when
   * nothing else is requested. Each must be one of `scopes`.
   */
  autoApproveScopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/)).default([]),
  /** Legacy implicit response types (`id_token`, `id_token token`); off unless set. */
  allowImplicit: z.boolean().default(false),
  /** RFC 9449 §5.2: every access token of this client is DPoP-bound; bearer-only token requests are refused. */
  requireDpop: z.boolean().default(false),
  /** RFC 9126 §6: the authorization endpoint accepts this client's requests only as a pushed request_uri. */
  requirePar: z.boolean().default(false),
  /**
   * Every sign-in for this client needs a second factor (a passkey, an
   * authenticator app code or a recovery code); a person without one is led
   * to enrol. Its ID tokens then carry amr with `mfa` and the MFA acr.
   */
  requireMfa: z.boolean().default(false),
  /**
   * PKCE (RFC 7636) stays required unless set to `optional`, which only a
   * confidential client may be: certification test plans and clients without
   * PKCE support (passport-openidconnect) need it; logged at boot (RFC 9700 §2.1.1).
   */
  pkce: z.enum(['required', 'optional']).default('required'),
  /** OpenID Connect Back-Channel Logout 1.0: where the server POSTs a logout token when a session ends. */
  backchannelLogoutUri: z.string().url().optional(),
  logoUri: z.string().url().optional(),
  clientUri: z.string().url().optional(),
});

export type ClientDefinitionInput = z.input<typeof clientDefinitionSchema>;
export type ClientDefinition = z.output<typeof clientDefinitionSchema>;

/**
 * Parses one definition; every schema problem comes back as a line naming the
 * client (its id when readable, else `label`).
 */
export function parseClientDefinition(input: unknown, label: string): { definition?: ClientDefinition; problems: string[] } {
  const parsed = clientDefinitionSchema.safeParse(input);
  if (parsed.success) return { definition: parsed.data, problems: [] };
  const id = (input as { clientId?: unknown } | null)?.clientId;
  const name = typeof id === 'string' ? id : label;
  return { problems: parsed.error.issues.map((issue) => `client ${name}: ${issue.path.join('.') || 'definition'}: ${issue.message}`) };
}

/** Identity helper so clients.config.ts gets types and completion. */
export function defineClients(clients: ClientDefinitionInput[]): ClientDefinitionInput[] {
  return clients;
}
