import { claimsByScope, describeScopes, KNOWN_SCOPES, OIDC_SCOPES, SCOPE_CATALOG } from '../../src/scopes/scope-catalog.js';
import { listScopes } from '../../src/scopes/scopes-repository.js';
import { syncScopes } from '../../src/scopes/sync-scopes.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';

let stores: TestStores;

beforeAll(async () => {
  stores = await createTestStores('sync-scopes', 'postgres');
});

afterAll(async () => {
  await stores.cleanup();
});

describe('scope catalog', () => {
  it('lists the built-in scopes and the claims oidc-provider needs', () => {
    expect(OIDC_SCOPES).toEqual(['openid', 'profile', 'email', 'address', 'phone', 'offline_access']);
    // OpenID Connect Core §5.4.
    expect(claimsByScope()).toEqual({
      openid: ['sub'],
      profile: [
        'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile',
        'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at',
      ],
      email: ['email', 'email_verified'],
      address: ['address'],
      phone: ['phone_number', 'phone_number_verified'],
    });
  });

  it('describes scopes in catalog order, unknown ones by name', () => {
    expect(describeScopes(['email', 'api:read', 'openid', 'email']).map((scope) => scope.name)).toEqual(['openid', 'email', 'api:read']);
    expect(describeScopes(['api:read'])).toEqual([{ name: 'api:read', description: 'api:read' }]);
    expect(describeScopes(['profile'])[0]?.description).toMatch(/^See your name and username, and profile details/);
  });
});

describe('syncScopes', () => {
  it('writes the catalog and is idempotent', async () => {
    await syncScopes(stores.handle.db);
    const first = await listScopes(stores.handle.db);
    expect(first.map((scope) => scope.name).sort()).toEqual([...KNOWN_SCOPES].sort());
    expect(first.find((scope) => scope.name === 'email')?.claims).toEqual(['email', 'email_verified']);

    await syncScopes(stores.handle.db);
    const second = await listScopes(stores.handle.db);
    expect(second).toEqual(first);
  });

  it('updates a changed description and keeps rows outside the catalog', async () => {
    const changed = SCOPE_CATALOG.map((scope) => (scope.name === 'email' ? { ...scope, description: 'Read your email address' } : scope));
    await syncScopes(stores.handle.db, [...changed, { name: 'api:read', description: 'Read the API', claims: [] }]);
    await syncScopes(stores.handle.db);
    const scopes = await listScopes(stores.handle.db);
    expect(scopes.find((scope) => scope.name === 'email')?.description).toBe('See your email address');
    expect(scopes.find((scope) => scope.name === 'api:read')?.description).toBe('Read the API');
  });
});
