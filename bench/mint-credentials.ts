import { createHash, randomBytes } from 'node:crypto';
import { BENCH_USER, basicAuth, REDIRECT_URI, SERVICE_CLIENT, TV_CLIENT, WEB_CLIENT } from './bench-fixtures.js';
import { FormSession } from './form-session.js';

/**
 * Credentials minted ahead of a measurement, all through the real protocol:
 * authorization requests with PKCE driven through the login and consent
 * pages, codes redeemed at the token endpoint, device authorizations and
 * client credentials grants.
 */
export interface MintedCode {
  code: string;
  verifier: string;
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizationUrl(issuer: string, challenge: string, scope: string, prompt?: string): string {
  const params = new URLSearchParams({
    client_id: WEB_CLIENT.id, response_type: 'code', redirect_uri: REDIRECT_URI, scope,
    code_challenge: challenge, code_challenge_method: 'S256', state: randomBytes(8).toString('base64url'),
    ...(prompt ? { prompt } : {}),
  });
  return `${issuer}/auth?${params}`;
}

function codeFrom(callback: URL): string {
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in the callback: ${callback.search}`);
  return code;
}

async function postForm(url: string, form: Record<string, string>, authorization?: string): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: await response.json() as Record<string, string> };
}

/** Redeems a code with client_secret_basic; returns the token response. */
async function redeemCode(issuer: string, { code, verifier }: MintedCode): Promise<Record<string, string>> {
  const { status, body } = await postForm(`${issuer}/token`, {
    grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier,
  }, basicAuth(WEB_CLIENT));
  if (status !== 200) throw new Error(`code redemption failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * One signed-in browser session per entry, each with consent given for
 * offline access (offline_access needs prompt=consent, OpenID Connect Core
 * §11). Every session holds its own grant, so tokens spread over grants the
 * way many users' would.
 */
export async function signIn(issuer: string, count: number): Promise<{ sessions: FormSession[]; refreshTokens: string[]; accessToken: string }> {
  const sessions: FormSession[] = [];
  const refreshTokens: string[] = [];
  let accessToken = '';
  for (let i = 0; i < count; i += 1) {
    const session = new FormSession(issuer);
    const { verifier, challenge } = pkce();
    const callback = await session.runFlow(authorizationUrl(issuer, challenge, 'openid profile email offline_access', 'consent'), BENCH_USER);
    const tokens = await redeemCode(issuer, { code: codeFrom(callback), verifier });
    if (!tokens.refresh_token) throw new Error('no refresh token issued for offline_access');
    sessions.push(session);
    refreshTokens.push(tokens.refresh_token);
    accessToken = tokens.access_token;
  }
  return { sessions, refreshTokens, accessToken };
}

/**
 * More refresh tokens from the signed-in sessions: each one a new
 * authorization with prompt=consent, answered on the consent page.
 */
export async function mintRefreshTokens(issuer: string, sessions: FormSession[], count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { verifier, challenge } = pkce();
    const session = sessions[i % sessions.length];
    const callback = await session.runFlow(authorizationUrl(issuer, challenge, 'openid offline_access', 'consent'), BENCH_USER);
    const body = await redeemCode(issuer, { code: codeFrom(callback), verifier });
    tokens.push(body.refresh_token);
  }
  return tokens;
}

/**
 * Authorization codes from signed-in sessions whose grant already covers the
 * scope, so the authorization endpoint answers with a code straight away.
 */
export async function mintCodes(issuer: string, sessions: FormSession[], count: number, concurrency = 16): Promise<MintedCode[]> {
  const codes: MintedCode[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      const { verifier, challenge } = pkce();
      const callback = await sessions[index % sessions.length].runFlow(authorizationUrl(issuer, challenge, 'openid profile email'), BENCH_USER);
      codes.push({ code: codeFrom(callback), verifier });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return codes;
}

/** Device codes whose user never approves: polling them answers authorization_pending (RFC 8628 §3.5). */
export async function mintDeviceCodes(issuer: string, count: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { status, body } = await postForm(`${issuer}/device/auth`, { client_id: TV_CLIENT.id, scope: 'openid' });
    if (status !== 200) throw new Error(`device authorization failed: ${status} ${JSON.stringify(body)}`);
    codes.push(body.device_code);
  }
  return codes;
}

/** An opaque access token from the client credentials grant, for introspection. */
export async function clientCredentialsToken(issuer: string): Promise<string> {
  const { status, body } = await postForm(`${issuer}/token`, { grant_type: 'client_credentials' }, basicAuth(SERVICE_CLIENT));
  if (status !== 200) throw new Error(`client credentials failed: ${status} ${JSON.stringify(body)}`);
  return body.access_token;
}
