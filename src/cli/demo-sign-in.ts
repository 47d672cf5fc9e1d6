import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

/** The running server's discovery document (OpenID Connect Discovery 1.0 §4), or a line saying it is not reachable. */
export async function discover(issuer: string): Promise<Discovery> {
  const url = `${issuer}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch {
    throw new Error(`the server at ${issuer} does not answer: start it first (npm start), with the same ISSUER as this command`);
  }
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return await response.json() as Discovery;
}

export interface AuthorizationRequest {
  url: string;
  state: string;
  verifier: string;
}

/** An authorization code request with PKCE S256 (RFC 7636 §4) and a random state (RFC 6749 §10.12). */
export function buildAuthorizationRequest(discovery: Discovery, params: { clientId: string; redirectUri: string; scope: string }): AuthorizationRequest {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const query = new URLSearchParams({
    client_id: params.clientId,
    response_type: 'code',
    redirect_uri: params.redirectUri,
    scope: params.scope,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  return { url: `${discovery.authorization_endpoint}?${query}`, state, verifier };
}

/**
 * Redeems the code at the token endpoint as a public client (RFC 6749 §4.1.3
 * with the code_verifier) and returns the ID token's claims, verified against
 * the server's JWKS, issuer and audience (OpenID Connect Core §3.1.3.7).
 */
export async function redeemCode(discovery: Discovery, params: { clientId: string; redirectUri: string; code: string; verifier: string }): Promise<JWTPayload> {
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: params.code, redirect_uri: params.redirectUri, client_id: params.clientId, code_verifier: params.verifier,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json() as { id_token?: unknown; error?: unknown; error_description?: unknown };
  if (!response.ok || typeof body.id_token !== 'string') {
    throw new Error(`the token endpoint refused the code: ${String(body.error ?? response.status)}${body.error_description ? ` (${String(body.error_description)})` : ''}`);
  }
  const { payload } = await jwtVerify(body.id_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), { issuer: discovery.issuer, audience: params.clientId });
  return payload;
}
