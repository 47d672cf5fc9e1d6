import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';

const REDIRECT_URI = 'https://app.example.com/callback';
const SERVICE_SECRET = 'dpop-service-secret-0123456789-0123456789-a';
const user = { username: 'dorothy@example.com', password: 'correct horse battery' };
const publicApp = (clientId: string, extra: { requireDpop?: boolean; requirePar?: boolean }) => ({
  clientId, name: clientId, type: 'public' as const, redirectUris: [REDIRECT_URI],
  grantTypes: ['authorization_code' as const, 'refresh_token' as const], scopes: ['openid', 'profile', 'email', 'offline_access'], ...extra,
});
type KeyPair = { privateKey: CryptoKey; publicKey: CryptoKey };

/** A DPoP proof made by hand (RFC 9449 §4.2), so a test can replay or bend it. */
async function proof(key: KeyPair, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(key.publicKey) })
    .sign(key.privateKey);
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

describe('DPoP (RFC 9449) and PAR (RFC 9126) with the adapters and the example API', () => {
  let server: TestServer;
  let api: string;

  beforeAll(async () => {
    server = await startTestServer('dpop_par', {
      clients: [publicApp('dpop-app', { requireDpop: true }), publicApp('par-app', { requirePar: true })],
    });
    api = `${server.issuer}/api`;
    await server.app.accounts.createUser({ ...user, name: 'Dorothy Vaughan', email: 'dorothy@example.com' });
    await addTestClient(server.stores, { client_id: 'dpop-service', client_secret: SERVICE_SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
  });
  afterAll(async () => { await server.close(); });

  async function signIn(config: oidc.Configuration, url: URL) {
    return signInAndConsent(new HttpBrowser(server.issuer), url, user);
  }

  describe('DPoP', () => {
    let config: oidc.Configuration;
    let keyPair: KeyPair;
    let accessToken: string;

    beforeAll(async () => {
      config = await discover(server.issuer, 'dpop-app', undefined, oidc.None());
      keyPair = await oidc.randomDPoPKeyPair('ES256') as KeyPair;
    });

    it('refuses a token request without a proof from a client that requires DPoP', async () => {
      const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile', resource: api });
      const callbackUrl = await signIn(config, url);
      await expect(oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state }))
        // oidc-provider answers invalid_grant ("DPoP proof JWT not provided", in error_detail only).
        .rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('binds the JWT access token to the key (cnf.jkt) and the API accepts it only with a valid proof', async () => {
      const DPoP = oidc.getDPoPHandle(config, keyPair);
      const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile', resource: api });
      const tokens = await oidc.authorizationCodeGrant(config, await signIn(config, url), { pkceCodeVerifier: codeVerifier, expectedState: state }, undefined, { DPoP });
      expect(tokens.token_type.toLowerCase()).toBe('dpop');
      accessToken = tokens.access_token;
      expect(decodeJwt(accessToken)).toMatchObject({ aud: api, cnf: { jkt: await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)) } });

      const me = await oidc.fetchProtectedResource(config, accessToken, new URL(`${api}/me`), 'GET', undefined, undefined, { DPoP });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ name: 'Dorothy Vaughan' });
    });

    it('refuses the bound token as a bearer token, without a proof, with another key\'s proof or for another URI', async () => {
      const asBearer = await fetch(`${api}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(asBearer.status).toBe(401);
      expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_token"/);

      const noProof = await fetch(`${api}/me`, { headers: { authorization: `DPoP ${accessToken}` } });
      expect(noProof.status).toBe(401);
      expect(await noProof.json()).toMatchObject({ error: 'invalid_dpop_proof' });

      const otherKey = await generateKeyPair('ES256') as KeyPair;
      const foreign = await fetch(`${api}/me`, { headers: { authorization: `DPoP ${accessToken}`, dpop: await proof(otherKey, { htm: 'GET', htu: `${api}/me`, ath: ath(accessToken) }) } });
      expect(foreign.status).toBe(401);
      expect(await foreign.json()).toMatchObject({ error: 'invalid_token' });

      const elsewhere = await fetch(`${api}/me`, { headers: { authorization: `DPoP ${accessToken}`, dpop: await proof(keyPair, { htm: 'GET', htu: `${api}/me/email`, ath: ath(accessToken) }) } });
      expect(elsewhere.status).toBe(401);
      expect(await elsewhere.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    });

    it('refuses a replayed proof at the API', async () => {
      const headers = { authorization: `DPoP ${accessToken}`, dpop: await proof(keyPair, { htm: 'GET', htu: `${api}/me`, ath: ath(accessToken) }) };
      expect((await fetch(`${api}/me`, { headers })).status).toBe(200);
      const replayed = await fetch(`${api}/me`, { headers });
      expect(replayed.status).toBe(401);
      expect(await replayed.json()).toMatchObject({ error: 'invalid_dpop_proof', error_description: expect.stringContaining('already used') });
    });

    it('refuses a replayed proof at the token endpoint (ReplayDetection in Redis)', async () => {
      const key = await generateKeyPair('ES256') as KeyPair;
      const dpop = await proof(key, { htm: 'POST', htu: `${server.issuer}/token` });
      const request = () => fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`dpop-service:${SERVICE_SECRET}`).toString('base64')}`, dpop },
        body: 'grant_type=client_credentials',
      });
      const first = await request();
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ token_type: 'DPoP' });
      const replayed = await request();
      expect(replayed.status).toBe(400);
      // RFC 9449 §5 would say invalid_dpop_proof; oidc-provider reports a replay as invalid_grant.
      // ("DPoP proof JWT Replay detected", which it keeps out of error_description).
      expect(await replayed.json()).toMatchObject({ error: 'invalid_grant' });
      const keys = await server.stores.redis!.keys(`${server.stores.config.redis.keyPrefix}ReplayDetection:*`);
      expect(keys.length).toBeGreaterThan(0);
    });
  });

  describe('PAR', () => {
    let config: oidc.Configuration;
    beforeAll(async () => { config = await discover(server.issuer, 'par-app', undefined, oidc.None()); });

    async function pushed(params: Record<string, string> = {}) {
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = await oidc.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: REDIRECT_URI, scope: 'openid profile', resource: api, state,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256', ...params,
      });
      return { url, codeVerifier, state };
    }

    /** The error an authorization request ends in: at the client's redirect_uri, or on the server's error page. */
    async function authorizationError(url: URL): Promise<string | null> {
      const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
      const location = response.headers.get('location');
      if (location) return new URL(location, server.issuer).searchParams.get('error') ?? `redirect to ${location}`;
      return (await response.text()).match(/invalid_request_uri|invalid_request/)?.[0] ?? `status ${response.status}`;
    }

    it('advertises the PAR endpoint and DPoP algorithms', async () => {
      const metadata = config.serverMetadata();
      expect(metadata.pushed_authorization_request_endpoint).toBe(`${server.issuer}/request`);
      expect(metadata.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
    });

    it('refuses a plain authorization request from a client that requires PAR', async () => {
      const { url } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile' });
      expect(await authorizationError(url)).toBe('invalid_request');
    });

    it('completes a pushed request (stored short-lived in Redis) and its request_uri works only once', async () => {
      const { url, codeVerifier, state } = await pushed();
      const keys = await server.stores.redis!.keys(`${server.stores.config.redis.keyPrefix}PushedAuthorizationRequest:*`);
      expect(keys.length).toBeGreaterThan(0);
      const ttl = await server.stores.redis!.pttl(keys[0]);
      expect(ttl).toBeGreaterThan(0);
      // RFC 9126 §2.2: short-lived; oidc-provider fixes 60 s and the Redis entry expires with it.
      expect(ttl).toBeLessThanOrEqual(60_000);

      const tokens = await oidc.authorizationCodeGrant(config, await signIn(config, url), { pkceCodeVerifier: codeVerifier, expectedState: state });
      expect(decodeJwt(tokens.access_token).aud).toBe(api);
      expect((await fetch(`${api}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);

      expect(await authorizationError(url)).toBe('invalid_request_uri');
    });

    it('lets an unused request_uri expire with its stored entry', async () => {
      const pattern = `${server.stores.config.redis.keyPrefix}PushedAuthorizationRequest:*`;
      const before = new Set(await server.stores.redis!.keys(pattern));
      const { url } = await pushed();
      const [key, ...others] = (await server.stores.redis!.keys(pattern)).filter((candidate) => !before.has(candidate));
      expect(key).toBeDefined();
      expect(others).toEqual([]);
      // Instead of waiting out the fixed 60 s, let the entry's remaining life run out now.
      await server.stores.redis!.pexpire(key, 1);
      await new Promise((resolve) => { setTimeout(resolve, 20); });
      expect(await authorizationError(url)).toBe('invalid_request_uri');
    });
  });
});
