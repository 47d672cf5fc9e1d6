import { loadCookieKeys } from '../../src/oidc/keys/load-cookie-keys.js';
import { loadSigningKeys } from '../../src/oidc/keys/load-signing-keys.js';
import { createSecretBox } from '../../src/oidc/keys/secret-box.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';

const SECRET = 'key-encryption-secret-0123456789-0123456789';

describe('signing and cookie keys persisted in the database', () => {
  let stores: TestStores;
  beforeAll(async () => { stores = await createTestStores('persisted_keys', 'postgres'); });
  afterAll(async () => { await stores.cleanup(); });

  it('creates RS256 and ES256 keys once, encrypted, and returns the same keys afterwards', async () => {
    const box = createSecretBox(SECRET);
    const [first, second] = await Promise.all([loadSigningKeys(stores.handle.db, box), loadSigningKeys(stores.handle.db, box)]);
    expect(first.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(second.map((key) => key.kid).sort()).toEqual(first.map((key) => key.kid).sort());
    const again = await loadSigningKeys(stores.handle.db, box);
    expect(again.map((key) => key.kid).sort()).toEqual(first.map((key) => key.kid).sort());

    const rows = await stores.handle.db.selectFrom('signing_keys').selectAll().execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.encrypted).toBe(true);
      expect(row.private_jwk).not.toContain('"d"');
      expect(row.public_jwk).not.toHaveProperty('d');
    }
  });

  it('refuses to start with a different encryption secret instead of silently making new keys', async () => {
    await expect(loadSigningKeys(stores.handle.db, createSecretBox('another-secret-0123456789-0123456789-01'))).rejects.toThrow(/KEY_ENCRYPTION_SECRET/);
  });

  it('generates cookie keys once, or uses COOKIE_KEYS when configured', async () => {
    const box = createSecretBox(SECRET);
    const generated = await loadCookieKeys(stores.handle.db, box, undefined);
    expect(generated).toHaveLength(1);
    expect(await loadCookieKeys(stores.handle.db, box, undefined)).toEqual(generated);
    expect(await loadCookieKeys(stores.handle.db, box, ['c'.repeat(32)])).toEqual(['c'.repeat(32)]);
    const stored = await stores.handle.db.selectFrom('server_secrets').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(generated[0]);
  });
});
