import { sql } from 'kysely';
import { createAccountService } from '../../src/accounts/account-service.js';
import { consumeAccountTokenOf, digestOf, issueAccountToken, peekAccountToken } from '../../src/accounts/account-tokens.js';
import { runCleanup } from '../../src/jobs/cleanup.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';

// The one-time links of the account mails (issue 14), on both SQL stores:
// stored as digests only, used once even when used twice at the same moment,
// and removed by the cleanup job once dead.
describe.each(['postgres', 'pglite'] as const)('account links on %s', (kind) => {
  let stores: TestStores;
  let userId: string;
  const db = () => stores.handle.db;
  const issue = (ttlSeconds = 600) => issueAccountToken(db(), {
    purpose: 'password_reset', userId, email: 'zoe@example.com', ttlSeconds, replaces: ['password_reset'],
  });

  beforeAll(async () => {
    stores = await createTestStores(`account_tokens_${kind}`, kind);
    userId = (await createAccountService({ db: db(), bcryptCost: 4 }).createUser({ username: 'zoe', password: 'zoe password 1' })).id;
  });
  afterAll(async () => { await stores.cleanup(); });

  it('stores only the digest of a 256-bit token', async () => {
    const token = await issue();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await db().selectFrom('account_tokens').selectAll().execute();
    expect(rows.map((row) => row.digest)).toEqual([digestOf(token)]);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('lets exactly one of several concurrent uses win, and none after it', async () => {
    const token = await issue();
    const attempts = await Promise.all(Array.from({ length: 5 }, () => consumeAccountTokenOf(db(), token, ['password_reset'])));
    expect(attempts.filter(Boolean)).toHaveLength(1);
    expect(await consumeAccountTokenOf(db(), token, ['password_reset'])).toBeUndefined();
    expect(await peekAccountToken(db(), token, ['password_reset'])).toBeUndefined();
  });

  it('refuses a link of another purpose, a malformed one, and one replaced by a newer link', async () => {
    const older = await issue();
    expect(await peekAccountToken(db(), older, ['invitation'])).toBeUndefined();
    expect(await peekAccountToken(db(), `${older}x`, ['password_reset'])).toBeUndefined();
    const newer = await issue();
    expect(await consumeAccountTokenOf(db(), older, ['password_reset'])).toBeUndefined();
    expect(await consumeAccountTokenOf(db(), newer, ['password_reset'])).toMatchObject({ user_id: userId, email: 'zoe@example.com' });
  });

  it('is removed by the cleanup job once expired or used; a live link stays', async () => {
    const live = await issue();
    const expired = await issueAccountToken(db(), { purpose: 'invitation', userId, email: null, ttlSeconds: 600, replaces: [] });
    await db().updateTable('account_tokens').set({ expires_at: sql<Date>`now() - interval '1 minute'` }).where('digest', '=', digestOf(expired)).execute();
    const used = await issueAccountToken(db(), { purpose: 'email_verification', userId, email: 'zoe@example.com', ttlSeconds: 600, replaces: [] });
    await consumeAccountTokenOf(db(), used, ['email_verification']);
    const before = (await db().selectFrom('account_tokens').select('digest').execute()).length;
    const counts = await runCleanup(db(), { batchSize: 1 });
    const left = await db().selectFrom('account_tokens').select('digest').execute();
    expect(left.map((row) => row.digest)).toEqual([digestOf(live)]);
    expect(counts.account_tokens).toBe(before - 1);
  });
});
