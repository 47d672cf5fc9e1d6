import type { AdapterPayload, ClientSecretCodec } from '../../adapters/adapter-types.js';
import { createKyselyAdapterFactory } from '../../adapters/kysely-adapter.js';
import { clientSecretCodec } from '../../src/clients/client-secret.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';

let stores: TestStores;
let hashCalls = 0;
// The real codec, counted: re-saving a loaded client must not hash again.
const countingCodec: ClientSecretCodec = {
  hash: async (plain) => { hashCalls += 1; return clientSecretCodec.hash(plain); },
  isHash: clientSecretCodec.isHash,
};

beforeAll(async () => {
  stores = await createTestStores('kysely-client-adapter', 'postgres');
});

afterAll(async () => {
  await stores.cleanup();
});

const clients = () => createKyselyAdapterFactory(stores.handle.db, countingCodec)('Client');

function registration(clientId: string, secret?: string): AdapterPayload {
  return {
    client_id: clientId,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: 1_700_000_000,
    redirect_uris: ['https://rp.example/cb'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: secret ? 'client_secret_basic' : 'none',
  };
}

describe('Client adapter (clients table)', () => {
  it('stores a registered client with a hashed secret and no plaintext anywhere', async () => {
    const secret = 'plain-secret-0123456789abcdefghijklmnopqrstuv';
    hashCalls = 0;
    await clients().upsert('reg-1', registration('reg-1', secret));
    expect(hashCalls).toBe(1);

    const row = await stores.handle.db.selectFrom('clients').selectAll().where('client_id', '=', 'reg-1').executeTakeFirstOrThrow();
    expect(row.source).toBe('registration');
    expect(clientSecretCodec.isHash(row.secret_hash ?? '')).toBe(true);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row.metadata).not.toHaveProperty('client_secret');

    expect(await clients().find('reg-1')).toEqual({ ...registration('reg-1', secret), client_secret: row.secret_hash });
  });

  it('does not hash a loaded client again when it is saved back', async () => {
    await clients().upsert('reg-2', registration('reg-2', 'another-plain-secret-value-0123456789'));
    const loaded = await clients().find('reg-2') as AdapterPayload;
    const { secret_hash: before } = await stores.handle.db.selectFrom('clients').select('secret_hash').where('client_id', '=', 'reg-2').executeTakeFirstOrThrow();
    hashCalls = 0;
    await clients().upsert('reg-2', { ...loaded, redirect_uris: ['https://rp.example/other'] });
    expect(hashCalls).toBe(0);
    const found = await clients().find('reg-2');
    expect(found).toMatchObject({ client_secret: before, redirect_uris: ['https://rp.example/other'] });
  });

  it('leaves who owns a client alone on update, and hides inactive clients', async () => {
    const { db } = stores.handle;
    await db.insertInto('clients').values({ client_id: 'cli-1', metadata: JSON.stringify({ redirect_uris: ['https://a.example/cb'] }), secret_hash: null, source: 'cli', first_party: true }).execute();
    await clients().upsert('cli-1', registration('cli-1'));
    const row = await db.selectFrom('clients').selectAll().where('client_id', '=', 'cli-1').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ source: 'cli', first_party: true, secret_hash: null });
    expect(await clients().find('cli-1')).not.toHaveProperty('client_secret');

    await db.updateTable('clients').set({ active: false }).where('client_id', '=', 'cli-1').execute();
    expect(await clients().find('cli-1')).toBeUndefined();
  });

  it('deletes a client on destroy', async () => {
    await clients().upsert('reg-3', registration('reg-3'));
    await clients().destroy('reg-3');
    expect(await clients().find('reg-3')).toBeUndefined();
    expect(await stores.handle.db.selectFrom('clients').select('client_id').where('client_id', '=', 'reg-3').executeTakeFirst()).toBeUndefined();
  });

  it('remembers a lookup for one request only: a change shows from the next request on', async () => {
    let request: object | undefined = {};
    const scoped = createKyselyAdapterFactory(stores.handle.db, countingCodec, () => request)('Client');
    await scoped.upsert('reg-4', registration('reg-4'));
    const first = await scoped.find('reg-4');
    await stores.handle.db.updateTable('clients').set({ active: false }).where('client_id', '=', 'reg-4').execute();
    // Same request: the first answer again (introspection loads its caller twice).
    expect(await scoped.find('reg-4')).toEqual(first);
    // The next request sees the client disabled at once.
    request = {};
    expect(await scoped.find('reg-4')).toBeUndefined();
    // Outside any request nothing is remembered.
    request = undefined;
    await stores.handle.db.updateTable('clients').set({ active: true }).where('client_id', '=', 'reg-4').execute();
    expect(await scoped.find('reg-4')).toMatchObject({ client_id: 'reg-4' });
  });
});
