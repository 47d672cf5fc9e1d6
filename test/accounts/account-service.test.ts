import { createAccountService, type AccountService } from '../../src/accounts/account-service.js';
import { accountClaims } from '../../src/accounts/account-claims.js';
import { AccountNotFoundError, DuplicateUsernameError, InvalidAccountInputError } from '../../src/accounts/account-errors.js';
import { findUserById } from '../../src/accounts/users-repository.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';

let stores: TestStores;
let accounts: AccountService;

beforeAll(async () => {
  stores = await createTestStores('account-service', 'postgres');
  accounts = createAccountService({ db: stores.handle.db, bcryptCost: stores.config.bcryptCost });
});

afterAll(async () => {
  await stores.cleanup();
});

describe('account service', () => {
  it('creates a user without exposing the password hash', async () => {
    const user = await accounts.createUser({ username: 'Alice', password: 'correct horse', email: 'alice@example.com', name: 'Alice A.' });
    expect(user).toMatchObject({ username: 'Alice', role: 'user', active: true, email: 'alice@example.com', name: 'Alice A.', lastLoginAt: null });
    expect(user).not.toHaveProperty('password_hash');
    expect(user).not.toHaveProperty('passwordHash');
    const row = await findUserById(stores.handle.db, user.id);
    expect(row?.password_hash).toMatch(/^\$2[aby]\$04\$/);
  });

  it('accepts an e-mail address as username and a role', async () => {
    const user = await accounts.createUser({ username: 'bob@example.com', password: 'password-123', role: 'staff' });
    expect(user.role).toBe('staff');
  });

  it('authenticates case-insensitively and records the login', async () => {
    const user = await accounts.authenticate('aLiCe', 'correct horse');
    expect(user?.username).toBe('Alice');
    expect(user?.lastLoginAt).toBeInstanceOf(Date);
    const stored = await accounts.findUser(user!.id);
    expect(stored?.lastLoginAt?.getTime()).toBe(user?.lastLoginAt?.getTime());
  });

  it('rejects a wrong password', async () => {
    expect(await accounts.authenticate('alice', 'wrong horse')).toBeNull();
  });

  it('rejects an unknown user', async () => {
    expect(await accounts.authenticate('nobody', 'correct horse')).toBeNull();
  });

  it('rejects an inactive user, and finds them only as inactive', async () => {
    const carol = await accounts.createUser({ username: 'carol', password: 'carol-password' });
    await accounts.setActive(carol.id, false);
    expect(await accounts.authenticate('carol', 'carol-password')).toBeNull();
    expect(await accounts.findActiveUser(carol.id)).toBeUndefined();
    expect((await accounts.findUser(carol.id))?.active).toBe(false);
    await accounts.setActive(carol.id, true);
    expect((await accounts.authenticate('carol', 'carol-password'))?.id).toBe(carol.id);
  });

  it('refuses a duplicate username regardless of case', async () => {
    await expect(accounts.createUser({ username: 'ALICE', password: 'another-password' })).rejects.toBeInstanceOf(DuplicateUsernameError);
  });

  it('validates input', async () => {
    await expect(accounts.createUser({ username: '', password: 'long enough' })).rejects.toBeInstanceOf(InvalidAccountInputError);
    await expect(accounts.createUser({ username: 'dave', password: 'short' })).rejects.toThrow(/password: must be at least 8 characters/);
    await expect(accounts.createUser({ username: 'd'.repeat(255), password: 'long enough' })).rejects.toThrow(/username/);
    await expect(accounts.createUser({ username: 'dave', password: 'long enough', role: 'root' as never })).rejects.toThrow(/role/);
    await expect(accounts.createUser({ username: 'dave', password: 'long enough', email: 'not-an-email' })).rejects.toThrow(/email/);
  });

  it('changes password and role, and reports unknown ids', async () => {
    const dave = await accounts.createUser({ username: 'dave', password: 'first-password' });
    await accounts.setPassword(dave.id, 'second-password');
    expect(await accounts.authenticate('dave', 'first-password')).toBeNull();
    expect((await accounts.authenticate('dave', 'second-password'))?.id).toBe(dave.id);
    expect((await accounts.setRole(dave.id, 'superuser')).role).toBe('superuser');
    await expect(accounts.setRole('no-such-id', 'user')).rejects.toBeInstanceOf(AccountNotFoundError);
    await expect(accounts.setRole(dave.id, 'root' as never)).rejects.toBeInstanceOf(InvalidAccountInputError);
    await expect(accounts.setPassword(dave.id, 'short')).rejects.toBeInstanceOf(InvalidAccountInputError);
  });

  it('lists and deletes users', async () => {
    const names = (await accounts.listUsers()).map((user) => user.username);
    expect(names).toEqual(['Alice', 'bob@example.com', 'carol', 'dave']);
    const dave = await accounts.findUserByUsername('DAVE');
    expect(await accounts.deleteUser(dave!.id)).toBe(true);
    expect(await accounts.deleteUser(dave!.id)).toBe(false);
    expect(await accounts.findUser(dave!.id)).toBeUndefined();
  });

  it('builds OpenID claims, omitting empty ones', async () => {
    const alice = (await accounts.findUserByUsername('alice'))!;
    expect(accountClaims(alice)).toEqual({
      sub: alice.id,
      preferred_username: 'Alice',
      name: 'Alice A.',
      email: 'alice@example.com',
      email_verified: false,
      updated_at: Math.floor(alice.updatedAt.getTime() / 1000),
    });
    const carol = (await accounts.findUserByUsername('carol'))!;
    expect(Object.keys(accountClaims(carol)).sort()).toEqual(['preferred_username', 'sub', 'updated_at']);
  });
});

describe.each(['postgres', 'pglite'] as const)('account service races on %s', (kind) => {
  let raceStores: TestStores;

  beforeAll(async () => {
    raceStores = await createTestStores(`account-race-${kind}`, kind);
  });
  afterAll(async () => {
    await raceStores.cleanup();
  });

  it('lets exactly one of two concurrent creations of the same name win', async () => {
    const service = createAccountService({ db: raceStores.handle.db, bcryptCost: raceStores.config.bcryptCost });
    const results = await Promise.allSettled([
      service.createUser({ username: 'Eve', password: 'eve-password' }),
      service.createUser({ username: 'eve', password: 'eve-password' }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected');
    expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateUsernameError);
    expect((await service.authenticate('EVE', 'eve-password'))?.username).toMatch(/^eve$/i);
  });
});
