import { basicAuth, DEVICE_GRANT, REDIRECT_URI, SERVICE_CLIENT, TV_CLIENT, WEB_CLIENT } from './bench-fixtures.js';
import type { MintedCode } from './mint-credentials.js';
import type { ScenarioRequest } from './run-scenario.js';

export const SCENARIOS = [
  'client_credentials', 'introspection', 'introspection_user', 'userinfo', 'refresh_rotation', 'code_redemption', 'device_polling', 'discovery', 'jwks',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** What one server was given ahead of the measurements (mint-credentials.ts). */
export interface ServerFixtures {
  /** An opaque client credentials access token to introspect. */
  clientCredentialsToken: string;
  /** A user's access token (openid profile email) for userinfo. */
  userAccessToken: string;
  /** Unused refresh tokens; each answer's rotated token joins the queue, each token is sent once. */
  refreshTokens: string[];
  /** Unused codes for the next code-redemption measurement. */
  codes: MintedCode[];
  deviceCodes: string[];
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function hasJson(body: string, key: string): boolean {
  try {
    return typeof (JSON.parse(body) as Record<string, unknown>)[key] === 'string';
  } catch {
    return false;
  }
}

function refreshRotation(fixtures: ServerFixtures): ScenarioRequest {
  return {
    method: 'POST', path: '/token', headers: { ...FORM, authorization: basicAuth(WEB_CLIENT) },
    next: () => {
      const token = fixtures.refreshTokens.shift();
      return token === undefined ? undefined : { body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString() };
    },
    check: (status, body) => {
      if (status !== 200) return false;
      const rotated = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
      if (rotated) fixtures.refreshTokens.push(rotated);
      return rotated !== undefined;
    },
  };
}

function codeRedemption(fixtures: ServerFixtures): ScenarioRequest {
  return {
    method: 'POST', path: '/token', headers: { ...FORM, authorization: basicAuth(WEB_CLIENT) },
    next: () => {
      const minted = fixtures.codes.shift();
      return minted === undefined ? undefined : {
        body: new URLSearchParams({ grant_type: 'authorization_code', code: minted.code, redirect_uri: REDIRECT_URI, code_verifier: minted.verifier }).toString(),
      };
    },
    check: (status, body) => status === 200 && hasJson(body, 'access_token'),
  };
}

function devicePolling(fixtures: ServerFixtures): ScenarioRequest {
  let turn = 0;
  return {
    method: 'POST', path: '/token', headers: FORM,
    next: () => {
      turn += 1;
      const deviceCode = fixtures.deviceCodes[turn % fixtures.deviceCodes.length];
      return { body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: TV_CLIENT.id }).toString() };
    },
    // Both are "keep waiting" answers of RFC 8628 §3.5; our server adds
    // slow_down for too-fast pollers (the baseline never does).
    check: (status, body) => status === 400 && /"error":"(authorization_pending|slow_down)"/.test(body),
  };
}

export function scenarioRequest(name: ScenarioName, fixtures: ServerFixtures): ScenarioRequest {
  switch (name) {
    case 'client_credentials':
      return {
        method: 'POST', path: '/token', headers: { ...FORM, authorization: basicAuth(SERVICE_CLIENT) }, body: 'grant_type=client_credentials',
        check: (status, body) => status === 200 && hasJson(body, 'access_token'),
      };
    case 'introspection':
      return {
        method: 'POST', path: '/token/introspection', headers: { ...FORM, authorization: basicAuth(SERVICE_CLIENT) },
        body: new URLSearchParams({ token: fixtures.clientCredentialsToken }).toString(),
        check: (status, body) => status === 200 && body.includes('"active":true'),
      };
    case 'introspection_user':
      // A user's access token, introspected by its own client: the server
      // checks that the user (and the client) are still active.
      return {
        method: 'POST', path: '/token/introspection', headers: { ...FORM, authorization: basicAuth(WEB_CLIENT) },
        body: new URLSearchParams({ token: fixtures.userAccessToken }).toString(),
        check: (status, body) => status === 200 && body.includes('"active":true') && body.includes('"sub"'),
      };
    case 'userinfo':
      return {
        method: 'GET', path: '/me', headers: { authorization: `Bearer ${fixtures.userAccessToken}` },
        check: (status, body) => status === 200 && hasJson(body, 'sub'),
      };
    case 'refresh_rotation':
      return refreshRotation(fixtures);
    case 'code_redemption':
      return codeRedemption(fixtures);
    case 'device_polling':
      return devicePolling(fixtures);
    case 'discovery':
      return { method: 'GET', path: '/.well-known/openid-configuration', check: (status, body) => status === 200 && hasJson(body, 'issuer') };
    case 'jwks':
      return { method: 'GET', path: '/jwks', check: (status, body) => status === 200 && body.includes('"keys"') };
  }
}
