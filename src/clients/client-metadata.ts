import type { ClientDefinition } from './client-definition.js';
import { redirectUriProblems } from './redirect-uri-policy.js';

const IMPLICIT_RESPONSE_TYPES = new Set(['id_token', 'id_token token']);

function authMethodFor(definition: ClientDefinition): string {
  if (definition.type === 'public') return 'none';
  return definition.tokenEndpointAuthMethod ?? 'client_secret_basic';
}

function responseTypesFor(definition: ClientDefinition): string[] {
  if (definition.responseTypes) return definition.responseTypes;
  return definition.grantTypes.includes('authorization_code') ? ['code'] : [];
}

/** Every rule a definition breaks, each naming the client. */
export function clientDefinitionProblems(definition: ClientDefinition, supportedScopes: readonly string[]): string[] {
  const problems: string[] = [];
  const method = authMethodFor(definition);
  const responseTypes = responseTypesFor(definition);
  if (definition.type === 'public' && definition.tokenEndpointAuthMethod && definition.tokenEndpointAuthMethod !== 'none') {
    problems.push('a public client authenticates with "none"; remove tokenEndpointAuthMethod');
  }
  if (definition.type === 'public' && definition.secretEnv) problems.push('a public client has no secret; remove secretEnv');
  if (definition.type === 'public' && definition.grantTypes.includes('client_credentials')) problems.push('client_credentials needs a confidential client');
  if (method.startsWith('client_secret') && !definition.secretEnv) problems.push(`${method} needs secretEnv naming the variable that holds the secret`);
  if (method === 'private_key_jwt' && !definition.jwksUri) problems.push('private_key_jwt needs jwksUri');
  const interactive = definition.grantTypes.includes('authorization_code') || definition.grantTypes.includes('implicit');
  if (interactive && definition.redirectUris.length === 0) problems.push('authorization_code needs at least one redirect URI');
  const implicit = definition.grantTypes.includes('implicit') || responseTypes.some((type) => IMPLICIT_RESPONSE_TYPES.has(type));
  if (implicit && !definition.allowImplicit) problems.push('implicit response types are legacy; set allowImplicit: true to enable them for this client');
  if (definition.grantTypes.includes('refresh_token') && !definition.grantTypes.some((type) => type === 'authorization_code' || type === 'urn:ietf:params:oauth:grant-type:device_code')) {
    problems.push('refresh_token needs authorization_code or the device code grant');
  }
  for (const scope of definition.scopes) {
    if (!supportedScopes.includes(scope)) problems.push(`scope "${scope}" is not in the scopes catalog`);
  }
  problems.push(...redirectUriProblems(definition.redirectUris, definition.applicationType));
  problems.push(...redirectUriProblems(definition.postLogoutRedirectUris, definition.applicationType).map((line) => `post-logout ${line}`));
  for (const origin of definition.allowedOrigins ?? []) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) problems.push(`allowed origin ${JSON.stringify(origin)} must be scheme://host[:port] without a path`);
  }
  return problems.map((problem) => `client ${definition.clientId}: ${problem}`);
}

/** The client metadata oidc-provider reads (RFC 7591 names plus our extra properties). */
export function toClientMetadata(definition: ClientDefinition): Record<string, unknown> {
  const responseTypes = responseTypesFor(definition);
  const implicit = responseTypes.some((type) => IMPLICIT_RESPONSE_TYPES.has(type));
  const grantTypes = definition.grantTypes.filter((type) => type !== 'implicit');
  return {
    client_id: definition.clientId,
    client_name: definition.name,
    application_type: definition.applicationType,
    redirect_uris: definition.redirectUris,
    post_logout_redirect_uris: definition.postLogoutRedirectUris,
    grant_types: implicit ? [...grantTypes, 'implicit'] : grantTypes,
    response_types: responseTypes,
    token_endpoint_auth_method: authMethodFor(definition),
    scope: definition.scopes.join(' '),
    first_party: definition.firstParty,
    ...(definition.jwksUri ? { jwks_uri: definition.jwksUri } : {}),
    ...(definition.logoUri ? { logo_uri: definition.logoUri } : {}),
    ...(definition.clientUri ? { client_uri: definition.clientUri } : {}),
    ...(definition.allowedOrigins ? { allowed_origins: definition.allowedOrigins } : {}),
    ...(definition.accessTokenTtl ? { access_token_ttl: definition.accessTokenTtl } : {}),
    ...(definition.refreshTokenTtl ? { refresh_token_ttl: definition.refreshTokenTtl } : {}),
    ...(implicit ? { implicit_allowed: true } : {}),
  };
}
