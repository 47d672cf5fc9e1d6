import { MODEL_TABLES } from '../../src/db/schema.js';
import { isMigrationCurrent } from '../../src/db/migrate.js';
import { createTestStores, describeOwnTables, type TestStores } from '../support/test-stores.js';

// The Database interface in src/db/schema.ts must describe what the migrations build.
const EXPECTED: Record<string, string[]> = {
  users: ['id', 'username', 'email', 'email_verified', 'name', 'claims', 'password_hash', 'role', 'active', 'last_login_at', 'created_at', 'updated_at'],
  clients: ['client_id', 'metadata', 'secret_hash', 'source', 'owner_id', 'first_party', 'active', 'created_at', 'updated_at'],
  scopes: ['name', 'description', 'claims', 'created_at', 'updated_at'],
  signing_keys: ['kid', 'alg', 'public_jwk', 'private_jwk', 'encrypted', 'retired_at', 'created_at', 'updated_at'],
  server_secrets: ['name', 'value', 'encrypted', 'created_at', 'updated_at'],
  audit_events: ['id', 'event', 'actor', 'client_id', 'ip', 'user_agent', 'details', 'created_at'],
  webauthn_credentials: ['id', 'account_id', 'name', 'public_key', 'counter', 'transports', 'device_type', 'backed_up', 'last_used_at', 'created_at'],
  totp_secrets: ['account_id', 'secret', 'encrypted', 'confirmed_at', 'last_used_step', 'last_used_at', 'created_at'],
  recovery_codes: ['id', 'account_id', 'code_hash', 'used_at', 'created_at'],
  account_tokens: ['digest', 'purpose', 'user_id', 'email', 'expires_at', 'consumed_at', 'created_at'],
};
const MODEL_COLUMNS = ['id', 'grant_id', 'uid', 'user_code', 'client_id', 'account_id', 'payload', 'expires_at', 'consumed_at', 'created_at', 'updated_at'];

describe.each(['postgres', 'pglite'] as const)('migrations on %s', (kind) => {
  let stores: TestStores;
  beforeAll(async () => { stores = await createTestStores(`schema_${kind}`, kind); });
  afterAll(async () => { await stores.cleanup(); });

  it('builds exactly the tables and columns of the Database interface', async () => {
    const all = await describeOwnTables(stores);
    // Kysely's own bookkeeping tables are not part of the Database interface.
    const actual = Object.fromEntries(Object.entries(all).filter(([name]) => !name.startsWith('kysely_')).map(([name, columns]) => [name, [...columns].sort()]));
    const expected: Record<string, string[]> = { ...EXPECTED };
    for (const table of Object.values(MODEL_TABLES)) {
      expected[table] = table === 'oidc_device_codes' ? [...MODEL_COLUMNS, 'last_polled_at', 'poll_interval'] : MODEL_COLUMNS;
    }
    for (const key of Object.keys(expected)) expected[key] = [...expected[key]].sort();
    expect(actual).toEqual(expected);
  });

  it('reports migrations as current', async () => {
    await expect(isMigrationCurrent(stores.handle.db, stores.config.database.schema)).resolves.toBe(true);
  });
});
