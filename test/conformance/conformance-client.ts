import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { ClientDefinitionInput } from '../../src/clients/client-definition.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { completeInteractions } from '../support/oidc-flow.js';

/**
 * The relying party the OpenID Foundation conformance suite plays, rebuilt in
 * our own code: static clients in code (the plans' `static_client` variant),
 * client_secret_basic (client_secret_post for its one module), PKCE optional
 * because the Basic, Config, Form Post and logout plans send PKCE only in
 * oidcc-ensure-request-with-valid-pkce-succeeds.
 */

// The suite's redirect URIs live under https://<suite>/test/a/<alias>/; only
// the back-channel listener must really be reachable, so it is on loopback.
const RP_BASE = 'https://rp.conformance.test/test/a/op-under-test';
export const REDIRECT_URI = `${RP_BASE}/callback`;
export const POST_LOGOUT_REDIRECT_URI = `${RP_BASE}/post_logout_redirect`;

export interface ConformanceClient {
  readonly id: string;
  readonly secret: string;
  readonly auth: 'client_secret_basic' | 'client_secret_post';
}

export const CLIENT: ConformanceClient = { id: 'conformance-rp', secret: 'conformance-rp-secret-0123456789-0123456789-abcdef', auth: 'client_secret_basic' };
export const CLIENT_POST: ConformanceClient = { id: 'conformance-rp-post', secret: 'conformance-post-secret-0123456789-0123456789-abcd', auth: 'client_secret_post' };
/** The refresh token module's second client (AbstractOIDCCMultipleClient). */
export const CLIENT_2: ConformanceClient = { id: 'conformance-rp-2', secret: 'conformance-rp2-secret-0123456789-0123456789-abcde', auth: 'client_secret_basic' };

// The suite's default login_hint is buffy@<issuer host>.
export const TESTER = { username: 'buffy@conformance.test', password: 'conformance tester password' };

export interface ConformanceContext {
  readonly server: TestServer;
  readonly issuer: string;
  /** The discovery document as served. */
  readonly metadata: Record<string, unknown>;
  readonly jwks: JSONWebKeySet;
  readonly keys: ReturnType<typeof createLocalJWKSet>;
}

function clientDefinition(client: ConformanceClient, secretEnv: string, backchannelLogoutUri?: string): ClientDefinitionInput {
  return {
    clientId: client.id,
    name: `Conformance ${client.id}`,
    type: 'confidential',
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_REDIRECT_URI],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'],
    tokenEndpointAuthMethod: client.auth,
    secretEnv,
    pkce: 'optional',
    ...(backchannelLogoutUri ? { backchannelLogoutUri } : {}),
  };
}

/** Every standard claim set, so the scope modules can check that each one is released. */
async function createTester(server: TestServer): Promise<void> {
  const user = await server.app.accounts.createUser({ ...TESTER, name: 'Buffy Summers', email: 'buffy@conformance.test' });
  await server.app.accounts.updateProfile(user.id, {
    emailVerified: true,
    claims: {
      given_name: 'Buffy', family_name: 'Summers', middle_name: 'Anne', nickname: 'Buff',
      profile: 'https://profiles.conformance.test/buffy', picture: 'https://profiles.conformance.test/buffy.png',
      website: 'https://buffy.conformance.test', gender: 'female', birthdate: '1981-01-19',
      zoneinfo: 'America/Los_Angeles', locale: 'en-US', phone_number: '+14255551212', phone_number_verified: true,
      address: { street_address: '1630 Revello Drive', locality: 'Sunnydale', region: 'CA', postal_code: '95037', country: 'US' },
    },
  });
}

/** One server per test file, with the plans' static clients and one fully described tester. */
export async function startConformanceServer(label: string, options: { backchannelLogoutUri?: string } = {}): Promise<ConformanceContext> {
  const server = await startTestServer(label, {
    env: {
      CONFORMANCE_SECRET: CLIENT.secret,
      CONFORMANCE_POST_SECRET: CLIENT_POST.secret,
      CONFORMANCE_2_SECRET: CLIENT_2.secret,
      // The suite signs one tester in dozens of times a minute from one address.
      RATE_LIMIT_LOGIN_PER_IP: '0',
    },
    clients: [
      clientDefinition(CLIENT, 'CONFORMANCE_SECRET', options.backchannelLogoutUri),
      clientDefinition(CLIENT_POST, 'CONFORMANCE_POST_SECRET'),
      clientDefinition(CLIENT_2, 'CONFORMANCE_2_SECRET'),
    ],
  });
  await createTester(server);
  const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  const jwks = await (await fetch(String(metadata.jwks_uri))).json() as JSONWebKeySet;
  return { server, issuer: server.issuer, metadata, jwks, keys: createLocalJWKSet(jwks) };
}

/** A random value of `length` URL-safe characters (the suite sends 128-character states to catch truncation). */
export function randomValue(length = 43): string {
  return randomBytes(Math.ceil((length * 3) / 4)).toString('base64url').slice(0, length);
}

export type ResponseMode = 'query' | 'form_post';

/** The suite's CreateAuthorizationRequestSteps: client_id, redirect_uri, scope openid, state, nonce, response_type code. */
export function authorizationParams(mode: ResponseMode, extra: Record<string, string | undefined> = {}, client: ConformanceClient = CLIENT): Record<string, string> {
  const params: Record<string, string | undefined> = {
    client_id: client.id,
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state: randomValue(),
    nonce: randomValue(),
    response_type: 'code',
    ...(mode === 'form_post' ? { response_mode: 'form_post' } : {}),
    ...extra,
  };
  // An explicit undefined leaves a parameter out (the "missing X" modules).
  return Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * The test user agent, remembering the last response it received: the
 * form_post checks need the headers (Content-Security-Policy) of the page the
 * interaction ended on, which completeInteractions hands back only as HTML.
 */
export class RecordingBrowser extends HttpBrowser {
  lastResponse: Response | undefined;

  override async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    this.lastResponse = await super.request(url, init);
    return this.lastResponse;
  }
}

/** Where the authorization endpoint left the browser. */
export type AuthorizationOutcome =
  | { kind: 'redirect'; url: URL; status: number }
  | { kind: 'page'; html: string; status: number; headers: Headers };

export interface AuthorizationRun {
  readonly browser: RecordingBrowser;
  readonly outcome: AuthorizationOutcome;
  /** True when the browser saw a login or consent page before the outcome. */
  readonly interacted: boolean;
  /** True when the first page shown was the login form. */
  readonly loginShown: boolean;
  /** The first page the server showed, when it showed one. */
  readonly firstPage?: string;
}

/** authorize (GET) → (login → consent) → outcome, through the server's own pages. */
export async function authorize(ctx: ConformanceContext, params: Record<string, string>, options: { browser?: RecordingBrowser } = {}): Promise<AuthorizationRun> {
  const browser = options.browser ?? new RecordingBrowser(ctx.issuer);
  const start = await browser.follow(`${String(ctx.metadata.authorization_endpoint)}?${new URLSearchParams(params)}`);
  if (new URL(start.url).origin !== ctx.issuer) {
    return { browser, outcome: { kind: 'redirect', url: new URL(start.url), status: start.response.status }, interacted: false, loginShown: false };
  }
  const firstHtml = await start.response.text();
  const loginShown = /action="[^"]*\/login"/.test(firstHtml);
  const interacted = loginShown || /action="[^"]*\/confirm"/.test(firstHtml);
  const replay = { response: new Response(firstHtml, { status: start.response.status, headers: start.response.headers }), url: start.url };
  const done = await completeInteractions(browser, replay, TESTER);
  const outcome: AuthorizationOutcome = done.html === undefined
    ? { kind: 'redirect', url: done.url, status: done.status }
    : { kind: 'page', html: done.html, status: done.status, headers: browser.lastResponse?.headers ?? new Headers() };
  return { browser, outcome, interacted, loginShown, firstPage: firstHtml };
}
