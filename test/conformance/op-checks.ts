import { createHash } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { REDIRECT_URI, type AuthorizationRun, type ConformanceClient, type ConformanceContext, type ResponseMode } from './conformance-client.js';

/**
 * What the conformance suite's conditions check, written as our own
 * assertions: delivery of the authorization response (query or form_post),
 * error responses, token responses, ID tokens (signature against the JWKS,
 * iss/aud/exp/iat/nonce/auth_time, at_hash and c_hash) and userinfo.
 */

// RFC 6749 §4.1.2.1 / §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E (the suite also allows TAB, CR, LF).
const ERROR_DESCRIPTION = /^[\x09\x0A\x0D\x20-\x21\x23-\x5B\x5D-\x7E]+$/;
// Core §3.1.2.6 plus RFC 9207 iss: nothing else belongs in an authorization error response.
const ERROR_RESPONSE_PARAMS = new Set(['error', 'error_description', 'error_uri', 'state', 'session_state', 'iss']);
const SKEW_SECONDS = 300;

function decodeEntities(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" } as Record<string, string>)[e]);
}

/**
 * OAuth 2.0 Form Post Response Mode §2: an HTML page whose form POSTs the
 * parameters to the redirect_uri and submits itself. The inline script must
 * be allowed by the page's CSP (its sha256 in script-src), or a browser would
 * never submit it.
 */
function readFormPost(html: string, headers: Headers): URLSearchParams {
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/i.exec(html);
  expect(form).not.toBeNull();
  expect(decodeEntities(form![1])).toBe(REDIRECT_URI);
  const script = /<script>([\s\S]*?)<\/script>/.exec(html);
  expect(script?.[1]).toMatch(/document\.forms\[0\]\.submit\(\)/);
  const digest = createHash('sha256').update(script![1]).digest('base64');
  expect(headers.get('content-security-policy') ?? '').toContain(`'sha256-${digest}'`);
  const fields = new URLSearchParams();
  for (const [, name, value] of form![2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)) fields.append(name, decodeEntities(value));
  return fields;
}

/** The authorization response as the client receives it, checked to arrive the way `mode` says. */
export function readAuthorizationResponse(run: AuthorizationRun, mode: ResponseMode): URLSearchParams {
  const { outcome } = run;
  if (mode === 'form_post') {
    if (outcome.kind !== 'page') throw new Error(`expected a form_post page, got a redirect to ${outcome.url}`);
    expect(outcome.headers.get('content-type')).toMatch(/^text\/html/);
    return readFormPost(outcome.html, outcome.headers);
  }
  if (outcome.kind !== 'redirect') throw new Error(`expected a redirect to the client, got a page (${outcome.status}):\n${outcome.html.slice(0, 800)}`);
  expect(`${outcome.url.origin}${outcome.url.pathname}`).toBe(REDIRECT_URI);
  // Core §3.1.2.5: the code flow answers in the query, never in a fragment.
  expect(outcome.url.hash).toBe('');
  return outcome.url.searchParams;
}

/** A successful code response: code, the state sent, and iss (RFC 9207). Returns the code. */
export function expectCodeResponse(ctx: ConformanceContext, params: URLSearchParams, state: string): string {
  expect(params.get('error')).toBeNull();
  expect(params.get('state')).toBe(state);
  expect(params.get('iss')).toBe(ctx.issuer);
  const code = params.get('code');
  expect(code).toEqual(expect.any(String));
  return code!;
}

/** performGenericAuthorizationEndpointErrorResponseValidation: one of `allowed`, state, no code, no stray parameters. */
export function expectErrorResponse(ctx: ConformanceContext, params: URLSearchParams, state: string | undefined, allowed: string[]): string {
  const error = params.get('error');
  expect(allowed).toContain(error);
  expect(params.get('code')).toBeNull();
  if (state !== undefined) expect(params.get('state')).toBe(state);
  expect(params.get('iss')).toBe(ctx.issuer);
  expect([...params.keys()].filter((key) => !ERROR_RESPONSE_PARAMS.has(key))).toEqual([]);
  const description = params.get('error_description');
  if (description !== null) expect(description).toMatch(ERROR_DESCRIPTION);
  return error!;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** RFC 6749 §2.3.1: client_secret_basic form-encodes id and secret before base64. */
function clientAuthentication(client: ConformanceClient, form: Record<string, string>): { headers: Record<string, string>; form: Record<string, string> } {
  if (client.auth === 'client_secret_post') return { headers: {}, form: { ...form, client_id: client.id, client_secret: client.secret } };
  const basic = Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64');
  return { headers: { authorization: `Basic ${basic}` }, form };
}

export async function tokenRequest(ctx: ConformanceContext, form: Record<string, string>, client: ConformanceClient): Promise<HttpResult> {
  const auth = clientAuthentication(client, form);
  const response = await fetch(String(ctx.metadata.token_endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...auth.headers },
    body: new URLSearchParams(auth.form),
  });
  return { status: response.status, headers: response.headers, body: await response.json() as Record<string, unknown> };
}

export function redeemCode(ctx: ConformanceContext, code: string, client: ConformanceClient, extra: Record<string, string> = {}): Promise<HttpResult> {
  return tokenRequest(ctx, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, ...extra }, client);
}

/** RFC 6749 §5.1 as CheckTokenEndpointHttpStatus200, CheckTokenEndpointCacheHeaders, ValidateExpiresIn check it. */
export function expectTokenResponse(result: HttpResult): { access_token: string; id_token: string; refresh_token?: string } {
  expect(result.status).toBe(200);
  expect(result.headers.get('content-type')).toMatch(/^application\/json/);
  expect(result.headers.get('cache-control')).toMatch(/no-store/);
  expect(result.body).toMatchObject({ access_token: expect.any(String), id_token: expect.any(String), token_type: 'Bearer' });
  expect(result.body.expires_in).toBeGreaterThan(0);
  expect(result.body.expires_in).toBeLessThanOrEqual(31_536_000);
  return result.body as { access_token: string; id_token: string; refresh_token?: string };
}

/** RFC 6749 §5.2 error at the token endpoint: 400, JSON, the expected code and a clean description. */
export function expectTokenError(result: HttpResult, error: string): void {
  expect(result.status).toBe(400);
  expect(result.headers.get('content-type')).toMatch(/^application\/json/);
  expect(result.body.error).toBe(error);
  if (result.body.error_description !== undefined) expect(String(result.body.error_description)).toMatch(ERROR_DESCRIPTION);
}

/** Core §3.1.3.6 / §3.3.2.11: left half of the SHA-256 of the ASCII value, base64url (RS256 and ES256 both use SHA-256). */
export function halfHash(value: string): string {
  return createHash('sha256').update(value, 'ascii').digest().subarray(0, 16).toString('base64url');
}

export interface IdTokenExpectations {
  client: ConformanceClient;
  /** The nonce sent, or undefined when none was (then none may come back). */
  nonce: string | undefined;
  accessToken?: string;
  code?: string;
}

/** PerformStandardIdTokenChecks + ValidateIdTokenSignature (kid required, as OIDCCIdTokenSignature does). */
export async function checkIdToken(ctx: ConformanceContext, idToken: string, expected: IdTokenExpectations): Promise<JWTPayload> {
  const header = decodeProtectedHeader(idToken);
  expect(header.alg).toBe('RS256');
  expect(ctx.jwks.keys.filter((key) => key.kid === header.kid && key.use !== 'enc')).toHaveLength(1);
  const { payload } = await jwtVerify(idToken, ctx.keys, { issuer: ctx.issuer, audience: expected.client.id, algorithms: ['RS256'], clockTolerance: SKEW_SECONDS });
  const now = Math.floor(Date.now() / 1000);
  expect(payload.sub).toMatch(/^[\x21-\x7E]{1,255}$/);
  expect(Math.abs(now - Number(payload.iat))).toBeLessThanOrEqual(SKEW_SECONDS);
  expect(Number(payload.exp)).toBeGreaterThan(now);
  if (payload.auth_time !== undefined) {
    expect(Number(payload.auth_time)).toBeLessThanOrEqual(now + SKEW_SECONDS);
    expect(Number(payload.auth_time)).toBeGreaterThan(now - 365 * 24 * 3600);
  }
  expect(payload.nonce).toBe(expected.nonce);
  if (payload.acr !== undefined) expect(payload.acr).toMatch(/.+/);
  if (payload.at_hash !== undefined) expect(payload.at_hash).toBe(halfHash(expected.accessToken ?? ''));
  if (payload.c_hash !== undefined) expect(payload.c_hash).toBe(halfHash(expected.code ?? ''));
  return payload;
}

export type UserinfoCall = 'GET' | 'POST header' | 'POST body';

/** Core §5.3.1: GET or POST, the token in the Authorization header or (RFC 6750 §2.2) the form body. */
export async function callUserinfo(ctx: ConformanceContext, accessToken: string, how: UserinfoCall = 'GET'): Promise<HttpResult> {
  const endpoint = String(ctx.metadata.userinfo_endpoint);
  const init: RequestInit = how === 'POST body'
    ? { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ access_token: accessToken }) }
    : { method: how === 'GET' ? 'GET' : 'POST', headers: { authorization: `Bearer ${accessToken}` } };
  const response = await fetch(endpoint, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

export { claimsForScope, expectStandardClaims, shannonBits, SCOPE_CLAIMS } from './claim-checks.js';
