import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import type { ClientService, ClientSummary } from '../clients/client-service.js';
import { buildAuthorizationRequest, discover, redeemCode } from './demo-sign-in.js';
import { CALLBACK_PATH, listenForCallback } from './loopback-callback.js';

export const DEMO_CLIENT_ID = 'demo-cli';
// Registered without a port: a native client's loopback redirect matches any port (RFC 8252 §7.3).
const DEMO_REDIRECT_URI = `http://127.0.0.1${CALLBACK_PATH}`;
const DEMO_SCOPES = ['openid', 'profile', 'email'];

interface DemoOptions {
  port: number;
  timeout: number;
}

function isDemoClient(client: ClientSummary): boolean {
  return client.type === 'public' && client.applicationType === 'native' && client.redirectUris.includes(DEMO_REDIRECT_URI);
}

/** Creates the demo client once; later runs reuse it. Anything else already named demo-cli is left alone. */
async function ensureDemoClient(service: ClientService): Promise<string> {
  const existing = await service.findClient(DEMO_CLIENT_ID);
  if (existing && !isDemoClient(existing)) throw new Error(`a client "${DEMO_CLIENT_ID}" exists but is not the demo client (public, native, ${DEMO_REDIRECT_URI}); delete it first`);
  if (existing && !existing.active) throw new Error(`the demo client is disabled: npm run cli -- clients enable ${DEMO_CLIENT_ID}`);
  if (existing) return `using the demo client ${DEMO_CLIENT_ID}`;
  await service.createClient({
    clientId: DEMO_CLIENT_ID, name: 'Demo (command line)', type: 'public', applicationType: 'native',
    redirectUris: [DEMO_REDIRECT_URI], grantTypes: ['authorization_code'], scopes: DEMO_SCOPES,
  }, { source: 'cli' });
  return `created the demo client ${DEMO_CLIENT_ID} (public, native, redirect ${DEMO_REDIRECT_URI} on any port)`;
}

function positiveInteger(label: string, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > max) throw new Error(`${label} must be a whole number from 0 to ${max}`);
    return parsed;
  };
}

/**
 * `clients demo`: a first sign-in in one command. It makes sure a public
 * native demo client exists, prints an authorization URL (code + PKCE S256 +
 * state), receives the browser on a loopback redirect, redeems the code at
 * the running server and prints the verified ID token's claims. It ends after
 * that one callback, or after --timeout seconds.
 */
export function registerDemo(clients: Command, withClients: (run: (service: ClientService) => Promise<void>) => Promise<void>): void {
  clients.command('demo')
    .description('first sign-in: create a demo client, print a sign-in URL, wait for the browser and print the ID token claims')
    .option('--port <port>', 'loopback port for the redirect (default: any free port)', positiveInteger('--port', 65_535), 0)
    .option('--timeout <seconds>', 'give up when no browser comes back within this many seconds', positiveInteger('--timeout', 3600), 300)
    .action(async (options: DemoOptions) => {
      const { issuer } = loadConfig();
      const discovery = await discover(issuer);
      await withClients(async (service) => { process.stdout.write(`${await ensureDemoClient(service)}\n`); });
      const callback = await listenForCallback({ port: options.port, timeoutMs: options.timeout * 1000 });
      try {
        const request = buildAuthorizationRequest(discovery, { clientId: DEMO_CLIENT_ID, redirectUri: callback.redirectUri, scope: DEMO_SCOPES.join(' ') });
        process.stdout.write(`\nOpen this URL in a browser and sign in:\n\n${request.url}\n\nWaiting for the browser at ${callback.redirectUri} (up to ${options.timeout} s)…\n`);
        const { params, answer } = await callback.received;
        if (params.get('state') !== request.state) {
          answer('Sign-in not accepted', 'The state does not match this command’s request. Start again.');
          throw new Error('the callback carries another state (RFC 6749 §10.12); nothing was redeemed');
        }
        const code = params.get('code');
        if (!code) {
          answer('Sign-in did not finish', `The server answered ${params.get('error') ?? 'without a code'}. You can close this tab.`);
          throw new Error(`the sign-in ended with ${params.get('error') ?? 'no code'}${params.get('error_description') ? `: ${params.get('error_description')}` : ''}`);
        }
        const claims = await redeemCode(discovery, { clientId: DEMO_CLIENT_ID, redirectUri: callback.redirectUri, code, verifier: request.verifier })
          .catch((err: unknown) => { answer('Sign-in failed', 'The code could not be redeemed; see the terminal.'); throw err; });
        answer('You are signed in', 'The terminal shows your ID token. You can close this tab.');
        process.stdout.write(`\nSigned in. ID token claims:\n${JSON.stringify(claims, null, 2)}\n`);
      } finally {
        callback.close();
      }
    });
}
