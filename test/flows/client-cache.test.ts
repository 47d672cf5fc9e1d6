import { sql } from 'kysely';
import pg from 'pg';
import { hashClientSecret } from '../../src/clients/client-secret.js';
import { updateClientRow } from '../../src/clients/clients-repository.js';
import { createDb, type DatabaseHandle } from '../../src/db/create-db.js';
import { TEST_DATABASE_URL } from '../support/test-env.js';
import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'cache-secret-0123456789-0123456789-abcdefgh';
const ROTATED = 'cache-rotated-0123456789-0123456789-abcdefg';
const LATER = 'cache-later-0123456789-0123456789-abcdefghi';

// Client rows are cached between requests (adapters/client-row-cache.ts) and
// evicted by LISTEN/NOTIFY. NOTIFY reaches the server a moment after the
// writer's commit returns, over another connection: that moment is inherent to
// asynchronous notification, so assertions right after a write made elsewhere
// wait for the announcement to arrive.
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  let last!: T;
  await waitFor('the change to be announced', async () => { last = await read(); return accept(last); });
  return last;
}

describe('client rows cached across requests, evicted everywhere on change', () => {
  let server: TestServer;
  // Another process's pool on the same schema (as the CLI or another instance would have).
  let other: DatabaseHandle;

  async function tokenStatus(clientId: string, secret: string, endpoint = 'token', body = 'grant_type=client_credentials'): Promise<number> {
    const response = await fetch(`${server.issuer}/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** A secret change the notify trigger does not see (replication role): a notification lost in transit. */
  async function rotateUnheard(clientId: string, secret: string): Promise<void> {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${server.stores.config.database.schema}` });
    await client.connect();
    try {
      await client.query('set session_replication_role = replica');
      await client.query('update clients set secret_hash = $2 where client_id = $1', [clientId, await hashClientSecret(secret)]);
    } finally {
      await client.end();
    }
  }

  async function listenerPids(): Promise<number[]> {
    const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity
      where application_name = ${`client-changes:${server.stores.config.database.schema}`} and (query ilike 'listen %' or query = 'select 1')`.execute(other.db);
    return rows.map((row) => row.pid);
  }

  beforeAll(async () => {
    server = await startTestServer('client_cache', { kind: 'postgres' });
    other = await createDb(server.stores.config);
    for (const clientId of ['cache-svc', 'cache-rot', 'cache-drop']) {
      await addTestClient(server.stores, { client_id: clientId, client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
    }
    // The listener connects in the background; the cache is used once it listens.
    expect((await eventually(listenerPids, (pids) => pids.length === 1)).length).toBe(1);
  });
  afterAll(async () => {
    await other.close();
    await server.close();
  });

  it('a client disabled through another connection is refused at the token and introspection endpoints', async () => {
    expect(await tokenStatus('cache-svc', SECRET)).toBe(200);
    expect(await tokenStatus('cache-svc', SECRET, 'token/introspection', 'token=unknown')).toBe(200);
    await updateClientRow(other.db, 'cache-svc', { active: false });
    expect(await eventually(() => tokenStatus('cache-svc', SECRET), (status) => status === 401)).toBe(401);
    expect(await tokenStatus('cache-svc', SECRET, 'token/introspection', 'token=unknown')).toBe(401);
    await updateClientRow(other.db, 'cache-svc', { active: true });
    expect(await eventually(() => tokenStatus('cache-svc', SECRET), (status) => status === 200)).toBe(200);
  });

  it('a rotated secret takes effect: the old one is refused, the new one accepted', async () => {
    expect(await tokenStatus('cache-rot', SECRET)).toBe(200);
    await updateClientRow(other.db, 'cache-rot', { secretHash: await hashClientSecret(ROTATED) });
    expect(await eventually(() => tokenStatus('cache-rot', SECRET), (status) => status === 401)).toBe(401);
    expect(await tokenStatus('cache-rot', ROTATED)).toBe(200);
  });

  it('after the LISTEN connection is dropped, nothing loaded before the drop is served', async () => {
    expect(await tokenStatus('cache-drop', SECRET)).toBe(200);
    await rotateUnheard('cache-drop', ROTATED);
    // Unheard, so still the cached row: the lookups really are served from memory.
    expect(await tokenStatus('cache-drop', SECRET)).toBe(200);
    expect(await tokenStatus('cache-drop', ROTATED)).toBe(401);

    const [pid] = await listenerPids();
    // The second argument waits until the backend is gone (Postgres 14+).
    await sql`select pg_terminate_backend(${pid}::int, 5000)`.execute(other.db);
    await rotateUnheard('cache-drop', LATER);
    // A new LISTEN connection means the server noticed the drop and emptied its cache.
    const pids = await eventually(listenerPids, (found) => found.length === 1 && found[0] !== pid);
    expect(pids).toHaveLength(1);
    expect(pids[0]).not.toBe(pid);
    expect(await tokenStatus('cache-drop', LATER)).toBe(200);
    expect(await tokenStatus('cache-drop', SECRET)).toBe(401);
    expect(await tokenStatus('cache-drop', ROTATED)).toBe(401);
  });
});
