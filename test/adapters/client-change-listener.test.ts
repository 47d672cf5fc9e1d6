import { sql } from 'kysely';
import pg from 'pg';
import { CLIENT_CHANGE_CHANNEL, startClientChangeListener, type ClientChangeListener } from '../../adapters/client-change-listener.js';
import { ClientRowCache } from '../../adapters/client-row-cache.js';
import { createKyselyAdapterFactory } from '../../adapters/kysely-adapter.js';
import type { OidcAdapter } from '../../adapters/adapter-types.js';
import { clientSecretCodec } from '../../src/clients/client-secret.js';
import { createDb, type DatabaseHandle } from '../../src/db/create-db.js';
import { upsertClientRow, updateClientRow } from '../../src/clients/clients-repository.js';
import { TEST_DATABASE_URL } from '../support/test-env.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { waitFor } from '../support/wait-for.js';

let stores: TestStores;
// A second process's view of the same schema: its own pool, its own commits.
let other: DatabaseHandle;
let listener: ClientChangeListener;
let clients: OidcAdapter;
let schema: string;

/**
 * Changes a row without firing the notify trigger (replication role), as if
 * the notification had been lost: what the cache then serves shows whether
 * the row came from the cache or the database.
 */
async function changeUnheard(clientId: string, metadata: Record<string, unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query('set session_replication_role = replica');
    await client.query('update clients set metadata = $2 where client_id = $1', [clientId, JSON.stringify(metadata)]);
  } finally {
    await client.end();
  }
}

// NOTIFY is delivered asynchronously, after the writer's commit: a listener
// hears of a change a moment after the writer's own commit returns. No design
// built on notifications can avoid that moment, so the tests wait for it.
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  let last!: T;
  await waitFor('the change to be announced', async () => { last = await read(); return accept(last); });
  return last;
}

beforeAll(async () => {
  stores = await createTestStores('client_change_listener', 'postgres');
  schema = stores.config.database.schema;
  other = await createDb(stores.config);
  await upsertClientRow(stores.handle.db, { clientId: 'cached-app', metadata: { client_name: 'v1', redirect_uris: ['https://a.example/cb'] }, secretHash: null, source: 'cli' });
});

beforeEach(async () => {
  // Reset before listening, so no announcement of it arrives during a test.
  await updateClientRow(stores.handle.db, 'cached-app', { metadata: { client_name: 'v1', redirect_uris: ['https://a.example/cb'] }, active: true });
  listener = startClientChangeListener({ connectionString: TEST_DATABASE_URL, schema, retryMs: 500, cache: new ClientRowCache() });
  clients = createKyselyAdapterFactory(stores.handle.db, clientSecretCodec, undefined, listener.cache)('Client');
  await listener.listening();
});

afterEach(async () => { await listener.close(); });

afterAll(async () => {
  await other.close();
  await stores.cleanup();
});

describe('client row cache kept honest by LISTEN/NOTIFY', () => {
  it('serves an active row from memory once loaded, and never caches unknown ids', async () => {
    expect(await clients.find('cached-app')).toMatchObject({ client_name: 'v1' });
    await changeUnheard('cached-app', { client_name: 'unheard' });
    // Still v1: the row came from the cache, not the table.
    expect(await clients.find('cached-app')).toMatchObject({ client_name: 'v1' });
    for (let i = 0; i < 20; i += 1) expect(await clients.find(`random-${i}`)).toBeUndefined();
    expect(listener.cache.size).toBe(1);
  });

  it('a client disabled by another connection is refused once its commit is announced', async () => {
    expect(await clients.find('cached-app')).toBeDefined();
    await updateClientRow(other.db, 'cached-app', { active: false });
    expect(await eventually(() => clients.find('cached-app'), (found) => found === undefined)).toBeUndefined();
  });

  it('ignores notifications about another schema', async () => {
    expect(await clients.find('cached-app')).toMatchObject({ client_name: 'v1' });
    await changeUnheard('cached-app', { client_name: 'unheard' });
    const evicted: string[] = [];
    const evict = listener.cache.evict.bind(listener.cache);
    listener.cache.evict = (id: string) => { evicted.push(id); evict(id); };
    try {
      await sql`select pg_notify(${CLIENT_CHANGE_CHANNEL}, ${'some_other_schema:cached-app'})`.execute(other.db);
      // Our own schema's announcement after it: notifications arrive in order
      // on one connection, so once it is heard the other one was heard too.
      await sql`select pg_notify(${CLIENT_CHANGE_CHANNEL}, ${`${schema}:unrelated`})`.execute(other.db);
      await waitFor('our own announcement', () => evicted.includes('unrelated'));
    } finally {
      listener.cache.evict = evict;
    }
    expect(evicted).toEqual(['unrelated']);
    expect(await clients.find('cached-app')).toMatchObject({ client_name: 'v1' });
  });

  it('a lost LISTEN connection empties the cache and sends lookups to the database until LISTEN is back', async () => {
    expect(await clients.find('cached-app')).toMatchObject({ client_name: 'v1' });
    const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${listener.applicationName}`.execute(other.db);
    expect(rows).toHaveLength(1);
    // The second argument waits until the backend is gone (Postgres 14+).
    await sql`select pg_terminate_backend(${rows[0]!.pid}::int, 5000)`.execute(other.db);
    expect(await eventually(async () => listener.cache.isUsable, (usable) => !usable)).toBe(false);
    // A change made while nobody listens: its notification is lost for good.
    await changeUnheard('cached-app', { client_name: 'while-down' });
    expect(await clients.find('cached-app')).toMatchObject({ client_name: 'while-down' });
    expect(listener.cache.size).toBe(0);
    await listener.listening();
    await changeUnheard('cached-app', { client_name: 'after-reconnect' });
    // Emptied on reconnect: nothing loaded before the outage survives it.
    expect(await clients.find('cached-app')).toMatchObject({ client_name: 'after-reconnect' });
  });

  it('does not keep a row read before a change whose notification arrived during the read', async () => {
    const ticket = listener.cache.begin();
    listener.cache.evict('cached-app');
    listener.cache.store('cached-app', { client_id: 'cached-app', client_name: 'old' }, ticket);
    expect(listener.cache.get('cached-app')).toBeUndefined();
  });

  it('is bounded: the least recently used row leaves first', () => {
    const cache = new ClientRowCache(2);
    cache.reset(true);
    for (const id of ['a', 'b']) cache.store(id, { client_id: id }, cache.begin());
    expect(cache.get('a')).toEqual({ client_id: 'a' });
    cache.store('c', { client_id: 'c' }, cache.begin());
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([{ client_id: 'a' }, undefined, { client_id: 'c' }]);
  });
});
