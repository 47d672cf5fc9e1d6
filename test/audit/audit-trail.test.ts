import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { withClientAudit } from '../../src/audit/audited-client-service.js';
import type { ClientDefinitionInput } from '../../src/clients/client-definition.js';
import { createClientService } from '../../src/clients/client-service.js';
import { createLogger } from '../../src/observability/logger.js';
import { KNOWN_SCOPES } from '../../src/scopes/scope-catalog.js';
import { HttpBrowser } from '../support/http-browser.js';
import { buildAuthorization, discover, signInAndConsent } from '../support/oidc-flow.js';
import { runCli } from '../support/run-cli.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

const REDIRECT_URI = 'https://audit.example.com/cb';
const SECRET = 'audit-client-secret-0123456789-0123456789-01';
const REGISTRATION_TOKEN = 'audit-initial-access-token-0123456789-0123456789';
const user = { username: 'audited@example.com', password: 'audited password 123' };

describe('audit trail', () => {
  let server: TestServer;
  let config: oidc.Configuration;

  beforeAll(async () => {
    // AUDIT_TOKEN_ISSUANCE: client-credentials issuance is a row only when turned on (issue 17).
    server = await startTestServer('audit_trail', { env: { REGISTRATION_TOKEN, AUDIT_TOKEN_ISSUANCE: 'true' } });
    await server.app.accounts.createUser(user);
    await addTestClient(server.stores, {
      client_id: 'web', client_secret: SECRET, redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], response_types: ['code'],
    });
    config = await discover(server.issuer, 'web', SECRET);
  });
  afterAll(async () => { await server.close(); });

  const rows = (event: string) => server.stores.handle.db.selectFrom('audit_events').selectAll().where('event', '=', event).orderBy('id').execute();
  // Events written beside a response land a moment later: wait for them. The
  // bound is a safety net far above what a loaded machine needs, not a timing.
  async function eventually(event: string, count = 1) {
    for (let i = 0; i < 600; i += 1) {
      const found = await rows(event);
      if (found.length >= count) return found;
      await new Promise((resolve) => { setTimeout(resolve, 20); });
    }
    return rows(event);
  }

  it('records consent given and refused, with actor, client, IP, user agent and time', async () => {
    const allowed = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' });
    const callback = await signInAndConsent(new HttpBrowser(server.issuer), allowed.url, user);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: allowed.codeVerifier, expectedState: allowed.state });
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const denied = await buildAuthorization(config, { redirect_uri: REDIRECT_URI, prompt: 'consent' });
    const refusal = await signInAndConsent(new HttpBrowser(server.issuer), denied.url, user, 'deny');
    expect(refusal.searchParams.get('error')).toBe('access_denied');

    const account = await server.app.accounts.findUserByUsername(user.username);
    const [granted] = await rows('consent.granted');
    expect(granted).toMatchObject({ actor: account!.id, client_id: 'web', ip: expect.stringMatching(/127\.0\.0\.1/), user_agent: expect.any(String) });
    expect(granted.created_at).toBeInstanceOf(Date);
    expect(granted.details).toMatchObject({ scopes: expect.arrayContaining(['openid']) });
    expect((await rows('consent.denied'))[0]).toMatchObject({ actor: account!.id, client_id: 'web' });
  });

  it('records issued tokens by grant type', async () => {
    await oidc.clientCredentialsGrant(config);
    const issued = await eventually('token.issued', 3);
    const grantTypes = issued.map((row) => row.details.grant_type);
    expect(grantTypes).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(issued.find((row) => row.details.grant_type === 'client_credentials')).toMatchObject({ actor: null, client_id: 'web' });
    expect(issued.find((row) => row.details.grant_type === 'refresh_token')?.actor).toEqual(expect.any(String));
  });

  it('records clients created and deleted through registration', async () => {
    const created = await fetch(`${server.issuer}/reg`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}` },
      body: JSON.stringify({ redirect_uris: ['https://registered.example.com/cb'] }),
    });
    const body = await created.json() as { client_id: string; registration_access_token: string; registration_client_uri: string };
    const deleted = await fetch(body.registration_client_uri, { method: 'DELETE', headers: { authorization: `Bearer ${body.registration_access_token}` } });
    expect(deleted.status).toBe(204);
    expect((await eventually('client.created'))[0]).toMatchObject({ client_id: body.client_id });
    expect((await eventually('client.deleted'))[0]).toMatchObject({ client_id: body.client_id });
  });

  it('records a code client disabled at boot because it left the catalog', async () => {
    const port = Number(new URL(server.issuer).port);
    const catalogClient: ClientDefinitionInput = {
      clientId: 'catalogued', name: 'Catalogued', type: 'confidential', secretEnv: 'CATALOGUED_SECRET',
      redirectUris: ['https://catalogued.example.com/cb'], grantTypes: ['authorization_code'], scopes: ['openid'],
    };
    await server.close({ keepStores: true });
    server = await startTestServer('audit_trail', { stores: server.stores, port, env: { REGISTRATION_TOKEN, CATALOGUED_SECRET: SECRET }, clients: [catalogClient] });
    await server.close({ keepStores: true });
    server = await startTestServer('audit_trail', { stores: server.stores, port, env: { REGISTRATION_TOKEN }, clients: [] });
    expect((await rows('client.disabled'))[0]).toMatchObject({ details: { source: 'code', count: 1 } });
  });

  it('records client changes made through the audited client service (as the CLI uses it), never the secret', async () => {
    const audit = createAuditLog({ db: server.stores.handle.db, logger: createLogger({ level: 'silent' }) });
    const service = withClientAudit(createClientService({ db: server.stores.handle.db, supportedScopes: KNOWN_SCOPES }), audit, 'operator-1');
    const { client, secret } = await service.createClient({
      name: 'Audited CLI client', type: 'confidential', redirectUris: ['https://cli.example.com/cb'], grantTypes: ['authorization_code'], scopes: ['openid'],
    });
    const rotated = await service.rotateSecret(client.clientId);
    await service.setActive(client.clientId, false);
    await service.deleteClient(client.clientId);
    const mine = await server.stores.handle.db.selectFrom('audit_events').selectAll().where('client_id', '=', client.clientId).orderBy('id').execute();
    expect(mine.map((row) => row.event)).toEqual(['client.created', 'client.changed', 'client.disabled', 'client.deleted']);
    expect(mine.every((row) => row.actor === 'operator-1')).toBe(true);
    const dump = JSON.stringify(mine);
    expect(dump).not.toContain(secret!);
    expect(dump).not.toContain(rotated.secret);
  });

  it('is append-only: an UPDATE is refused by the database', async () => {
    await expect(sql`update audit_events set event = 'tampered'`.execute(server.stores.handle.db)).rejects.toThrow(/append-only/);
  });

  it('`audit tail --limit N` prints the newest N events as JSON lines, oldest first', async () => {
    const { stdout } = await runCli(server.stores, ['audit', 'tail', '--limit', '3']);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: number; event: string; createdAt: string });
    expect(lines).toHaveLength(3);
    expect(lines[0].id).toBeLessThan(lines[2].id);
    const newest = await server.stores.handle.db.selectFrom('audit_events').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(lines[2].id).toBe(Number(newest.id));
  });
});
