import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import type { StoreKind } from '../support/test-stores.js';

const REDIRECT_URI = 'https://restart.example.com/cb';
const SECRET = 'restart-secret-0123456789-0123456789-012345';
const user = { username: 'restarter', password: 'restart-password-1' };

describe.each<StoreKind>(['postgres+redis', 'pglite'])('nothing is lost across a restart (%s)', (kind) => {
  it('keeps refresh tokens working and the signing key id unchanged', async () => {
    let server: TestServer = await startTestServer(`restart_${kind}`, { kind });
    let { stores } = server;
    const port = Number(new URL(server.issuer).port);
    try {
      await server.app.accounts.createUser(user);
      await addTestClient(stores, { client_id: 'restart-app', client_secret: SECRET, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'] });
      let config = await discover(server.issuer, 'restart-app', SECRET);
      const { url, codeVerifier, state } = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
      const callback = await signInAndConsent(new HttpBrowser(server.issuer), url, user);
      const before = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });

      await server.close({ keepStores: true });
      stores = await stores.reopen();
      server = await startTestServer(`restart_${kind}`, { stores, port });
      config = await discover(server.issuer, 'restart-app', SECRET);

      const after = await oidc.refreshTokenGrant(config, before.refresh_token!);
      expect(after.access_token).toBeDefined();
      expect(decodeProtectedHeader(after.id_token!).kid).toBe(decodeProtectedHeader(before.id_token!).kid);
    } finally {
      await server.close();
    }
  });
});
