import type { JWTPayload } from 'jose';
import { authorizationParams, authorize, CLIENT, type AuthorizationRun, type ConformanceClient, type ConformanceContext, type RecordingBrowser, type ResponseMode } from './conformance-client.js';
import { checkIdToken, expectCodeResponse, expectErrorResponse, expectTokenResponse, readAuthorizationResponse, redeemCode } from './op-checks.js';

/**
 * The happy path every module starts from (AbstractOIDCCServerTest):
 * authorization request → authorization response (query or form_post) →
 * token request with the client's authentication → ID token checks.
 */
export interface CodeFlowOptions {
  client?: ConformanceClient;
  browser?: RecordingBrowser;
  /** Extra token request parameters (code_verifier). */
  tokenParams?: Record<string, string>;
  /** Send the authorization parameters in reverse order (oidcc-alternate-happy-flow). */
  reorder?: boolean;
}

export interface CodeFlowResult {
  readonly request: Record<string, string>;
  readonly run: AuthorizationRun;
  readonly code: string;
  readonly tokens: { access_token: string; id_token: string; refresh_token?: string };
  readonly claims: JWTPayload;
}

export async function runCodeFlow(ctx: ConformanceContext, mode: ResponseMode, extra: Record<string, string | undefined> = {}, options: CodeFlowOptions = {}): Promise<CodeFlowResult> {
  const client = options.client ?? CLIENT;
  const request = authorizationParams(mode, extra, client);
  const sent = options.reorder ? Object.fromEntries(Object.entries(request).reverse()) : request;
  const run = await authorize(ctx, sent, { browser: options.browser });
  const code = expectCodeResponse(ctx, readAuthorizationResponse(run, mode), request.state);
  const tokens = expectTokenResponse(await redeemCode(ctx, code, client, options.tokenParams));
  const claims = await checkIdToken(ctx, tokens.id_token, { client, nonce: request.nonce, accessToken: tokens.access_token, code });
  return { request, run, code, tokens, claims };
}

/** An authorization request the server must answer with one of `allowed` errors, delivered to the client as `mode` says. */
export async function runErrorFlow(ctx: ConformanceContext, mode: ResponseMode, extra: Record<string, string | undefined>, allowed: string[], browser?: RecordingBrowser): Promise<{ error: string; params: URLSearchParams; run: AuthorizationRun }> {
  const request = authorizationParams(mode, extra);
  const run = await authorize(ctx, request, { browser });
  const params = readAuthorizationResponse(run, mode);
  return { error: expectErrorResponse(ctx, params, request.state, allowed), params, run };
}

/**
 * The suite sleeps (1 or 2 seconds) so that a second authentication gets a
 * later auth_time. Here the wait is for that condition itself: the clock has
 * moved past `epochSeconds` (bounded; never a fixed sleep).
 */
export async function waitUntilEpochAfter(epochSeconds: number): Promise<void> {
  for (let polls = 0; polls < 400 && Math.floor(Date.now() / 1000) <= epochSeconds; polls += 1) {
    await new Promise((resolve) => { setTimeout(resolve, 25); });
  }
  expect(Math.floor(Date.now() / 1000)).toBeGreaterThan(epochSeconds);
}

/** Claims an ID token may carry whatever the scope (EnsureIdTokenDoesNotContainNonRequestedClaims). */
export const ID_TOKEN_PROTOCOL_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'nbf', 'jti', 'sid', 's_hash'];

/** One conformance suite test module, run in the plan's response mode. */
export interface PlanModule {
  readonly name: string;
  run(ctx: ConformanceContext, mode: ResponseMode): Promise<void>;
}
