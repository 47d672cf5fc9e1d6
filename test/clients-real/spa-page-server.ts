import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * A single-page app on its own loopback origin (http://127.0.0.1:<port>),
 * as a browser-based client is deployed (RFC 9700 §2.1, OAuth 2.0 for
 * Browser-Based Apps): static files only, no inline script, the
 * oidc-client-ts browser bundle from node_modules. The test drives it through
 * `window.spa` in Chromium.
 */
export interface SpaPageServer {
  readonly origin: string;
  /** Sets the issuer and client the app's settings.js announces (known only once the provider is up). */
  configure(settings: { issuer: string; clientId: string; scope: string }): void;
  close(): Promise<void>;
}

const BUNDLE = readFileSync(fileURLToPath(new URL('../../node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js', import.meta.url)), 'utf8');

const page = (title: string, script: string) => `<!doctype html><meta charset="utf-8"><title>${title}</title>
<script defer src="/oidc-client-ts.min.js"></script><script defer src="/settings.js"></script><script defer src="/${script}"></script>
<h1>${title}</h1>`;

// The app: one UserManager, exposed for the test to call.
const APP_JS = `
const manager = new oidc.UserManager(window.SPA_SETTINGS);
const plain = (user) => user && ({
  access_token: user.access_token, refresh_token: user.refresh_token, id_token: user.id_token,
  scope: user.scope, profile: user.profile, expired: user.expired,
});
window.spa = {
  signIn: () => manager.signinRedirect(),
  user: async () => plain(await manager.getUser()),
  refresh: async () => plain(await manager.signinSilent()),
  revoke: () => manager.revokeTokens(),
  signOut: () => manager.signoutRedirect(),
};
document.body.dataset.ready = 'yes';
`;

// The redirect_uri: finishes the code flow (code + PKCE verifier → tokens).
const CALLBACK_JS = `
new oidc.UserManager(window.SPA_SETTINGS).signinCallback()
  .then(() => window.location.replace('/index.html#signed-in'))
  .catch((error) => { document.body.dataset.error = String(error && error.message || error); });
`;

export async function startSpaPageServer(): Promise<SpaPageServer> {
  let settings: Record<string, unknown> = {};
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const files: Record<string, [string, string]> = {
      '/index.html': ['text/html', page('Photo Book', 'app.js')],
      '/callback.html': ['text/html', page('Signing in', 'callback.js')],
      '/app.js': ['text/javascript', APP_JS],
      '/callback.js': ['text/javascript', CALLBACK_JS],
      '/settings.js': ['text/javascript', `window.SPA_SETTINGS = ${JSON.stringify(settings)};`],
      '/oidc-client-ts.min.js': ['text/javascript', BUNDLE],
    };
    const file = files[path];
    res.writeHead(file ? 200 : 404, {
      'content-type': `${file?.[0] ?? 'text/plain'}; charset=utf-8`,
      'cache-control': 'no-store',
      // The app's own policy: scripts from itself only; it talks to the provider with fetch (CORS).
      'content-security-policy': `default-src 'self'; connect-src 'self' ${String(settings.authority ?? '')}`,
    });
    res.end(file?.[1] ?? 'not found');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    configure({ issuer, clientId, scope }) {
      settings = {
        authority: issuer,
        client_id: clientId,
        redirect_uri: `${origin}/callback.html`,
        post_logout_redirect_uri: `${origin}/index.html`,
        response_type: 'code',
        scope,
        // oidc-provider keeps offline_access only with prompt=consent (OpenID Connect Core §11).
        prompt: 'consent',
        loadUserInfo: true,
        automaticSilentRenew: false,
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => { server.close(() => resolve()); });
    },
  };
}
