import { sql } from 'kysely';
import { MODEL_TABLES, type ModelTableName } from '../../src/db/schema.js';
import { runCli } from '../support/run-cli.js';
import { waitFor } from '../support/wait-for.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';

// Revoking a busy client (issue 17): the client is refused from the moment
// it is disabled, and its rows go in bounded batches (adapters/revoke-entities.ts,
// 2000 rows per statement), so a revocation of any size finishes; what a
// cut-short revocation leaves behind the cleanup job removes.
const SECRET = 'revocation-batches-secret-0123456789-0123456789';
const basic = (clientId: string) => `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}`;

describe('revoking a client with many tokens', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer('client_revocation'); });
  afterAll(async () => { await server.close(); });

  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const issue = async (clientId: string) => {
    const response = await fetch(`${server.issuer}/token`, { method: 'POST', headers: { ...form, authorization: basic(clientId) }, body: 'grant_type=client_credentials' });
    return { status: response.status, body: await response.json() as { access_token?: string; error?: string } };
  };
  const introspect = async (clientId: string, token: string) => {
    const response = await fetch(`${server.issuer}/token/introspection`, { method: 'POST', headers: { ...form, authorization: basic(clientId) }, body: new URLSearchParams({ token }) });
    return (await response.json() as { active: boolean }).active;
  };
  // Client authentication alone, which creates no row: 401 once the client is refused.
  const refused = async (clientId: string) => {
    const response = await fetch(`${server.issuer}/token/introspection`, { method: 'POST', headers: { ...form, authorization: basic(clientId) }, body: 'token=x' });
    return response.status === 401;
  };
  const addClient = (clientId: string) => addTestClient(server.stores, {
    client_id: clientId, client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
  });
  // Rows as the adapter stores them, beyond one batch per table.
  const seedRows = async (clientId: string, table: ModelTableName, count: number) => {
    for (let start = 0; start < count; start += 1000) {
      await server.stores.handle.db.insertInto(table).values(Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({
        id: `${clientId}-${table}-${start + i}`, client_id: clientId, payload: JSON.stringify({ kind: 'seeded' }),
        expires_at: sql<Date>`now() + interval '1 hour'`,
      }))).execute();
    }
  };
  const rowsOf = async (clientId: string) => {
    let total = 0;
    for (const table of Object.values(MODEL_TABLES)) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where client_id = ${clientId}`.execute(server.stores.handle.db);
      total += rows[0]!.n;
    }
    return total;
  };

  it('refuses the client at once, leaves no live token and none comes back on re-enable', async () => {
    await addClient('busy');
    const tokens = await Promise.all(Array.from({ length: 10 }, () => issue('busy')));
    expect(tokens.every((token) => token.status === 200)).toBe(true);
    expect(await introspect('busy', tokens[0]!.body.access_token!)).toBe(true);
    await seedRows('busy', 'oidc_client_credentials', 4500);
    await seedRows('busy', 'oidc_access_tokens', 2100);
    expect(await rowsOf('busy')).toBe(10 + 4500 + 2100);

    const disabled = await runCli(server.stores, ['clients', 'disable', 'busy']);
    expect(disabled.code).toBe(0);
    expect(await rowsOf('busy')).toBe(0);
    // Every instance drops its cached client row when the change is announced (client-change-listener.ts).
    await waitFor('the disabled client to be refused', () => refused('busy'));
    expect(await issue('busy')).toMatchObject({ status: 401, body: { error: 'invalid_client' } });

    expect((await runCli(server.stores, ['clients', 'enable', 'busy'])).code).toBe(0);
    await waitFor('the enabled client to be accepted', async () => !(await refused('busy')));
    expect((await issue('busy')).status).toBe(200);
    for (const token of tokens) expect(await introspect('busy', token.body.access_token!)).toBe(false);
  });

  it('finishes a revocation that was cut short: the cleanup job removes what a disabled client still holds', async () => {
    await addClient('cut-short');
    const { body } = await issue('cut-short');
    await seedRows('cut-short', 'oidc_client_credentials', 2500);
    // As if `clients disable` had stopped right after its first commit.
    await server.stores.handle.db.updateTable('clients').set({ active: false }).where('client_id', '=', 'cut-short').execute();
    await waitFor('the disabled client to be refused', () => refused('cut-short'));
    const cleanup = await runCli(server.stores, ['cleanup']);
    expect(cleanup.stdout).toMatch(/^oidc_client_credentials\t2501$/m);
    expect(await rowsOf('cut-short')).toBe(0);
    // Re-enabled: the old token stays dead.
    await server.stores.handle.db.updateTable('clients').set({ active: true }).where('client_id', '=', 'cut-short').execute();
    await waitFor('the enabled client to be accepted', async () => !(await refused('cut-short')));
    expect(await introspect('cut-short', body.access_token!)).toBe(false);
  });

  it('deletes a busy client without one huge cascade: rows first, in batches, then the client', async () => {
    await addClient('busy-delete');
    await issue('busy-delete');
    await seedRows('busy-delete', 'oidc_client_credentials', 2300);
    const deleted = await runCli(server.stores, ['clients', 'delete', 'busy-delete']);
    expect(deleted.code).toBe(0);
    expect(await rowsOf('busy-delete')).toBe(0);
    expect(await server.stores.handle.db.selectFrom('clients').select('client_id').where('client_id', '=', 'busy-delete').executeTakeFirst()).toBeUndefined();
  });
});
