import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { createKyselyAdapterFactory } from '../../adapters/kysely-adapter.js';
import type { Database } from '../../src/db/schema.js';
import { TEST_DATABASE_URL } from '../support/test-env.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { ACCOUNT_ID, CLIENT_ID } from './adapter-contract.js';
import { plainTextCodec, seedContractParties } from './sql-harness.js';

// Token lookups as oidc-provider makes them (adapters/token-finder.ts):
// introspection without a hint asks three models for one token at once, and
// every token use then asks for the token's grant. Statements are counted
// with Kysely's query log.
describe('token lookups in one statement', () => {
  let stores: TestStores;
  let db: Kysely<Database>;
  const statements: string[] = [];
  const request = {};
  let current: object | undefined;

  beforeAll(async () => {
    stores = await createTestStores('token-finder', 'postgres');
    await seedContractParties(stores.handle.db);
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 4, options: `-c search_path=${stores.config.database.schema}` });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (event: LogEvent) => { if (event.level === 'query') statements.push(event.query.sql); } });
  });
  afterAll(async () => {
    await db.destroy();
    await stores.cleanup();
  });

  const adapters = () => {
    const factory = createKyselyAdapterFactory(db, plainTextCodec, () => current);
    return { at: factory('AccessToken'), cc: factory('ClientCredentials'), rt: factory('RefreshToken'), grant: factory('Grant') };
  };
  const exp = () => Math.floor(Date.now() / 1000) + 3600;

  it('finds one token asked of three models at once with one statement, with the right model answering', async () => {
    const { at, cc, rt, grant } = adapters();
    await grant.upsert('grant-1', { jti: 'grant-1', kind: 'Grant', clientId: CLIENT_ID, accountId: ACCOUNT_ID, exp: exp() }, 3600);
    await at.upsert('token-1', { jti: 'token-1', kind: 'AccessToken', clientId: CLIENT_ID, accountId: ACCOUNT_ID, grantId: 'grant-1', exp: exp() }, 3600);
    statements.length = 0;
    current = request;
    const [asAccess, asMachine, asRefresh] = await Promise.all([at.find('token-1'), cc.find('token-1'), rt.find('token-1')]);
    expect(asAccess).toMatchObject({ jti: 'token-1', grantId: 'grant-1' });
    expect(asMachine).toBeUndefined();
    expect(asRefresh).toBeUndefined();
    expect(statements).toHaveLength(1);
    // The grant came with the token: no second statement in the same request, and only once.
    expect(await grant.find('grant-1')).toMatchObject({ jti: 'grant-1', accountId: ACCOUNT_ID });
    expect(statements).toHaveLength(1);
    expect(await grant.find('grant-1')).toMatchObject({ jti: 'grant-1' });
    expect(statements).toHaveLength(2);
  });

  it('reads the grant again once this request changed it, and never hands one request\'s grant to another', async () => {
    const { at, grant } = adapters();
    current = request;
    await at.find('token-1');
    await grant.upsert('grant-1', { jti: 'grant-1', kind: 'Grant', clientId: CLIENT_ID, accountId: ACCOUNT_ID, exp: exp(), changed: true }, 3600);
    statements.length = 0;
    expect(await grant.find('grant-1')).toMatchObject({ changed: true });
    expect(statements).toHaveLength(1);
    await at.find('token-1');
    current = {};
    statements.length = 0;
    expect(await grant.find('grant-1')).toMatchObject({ jti: 'grant-1' });
    expect(statements).toHaveLength(1);
  });

  it('reads the tokens of concurrent requests together: lookups that arrive while one is in flight share the next statement', async () => {
    const { at } = adapters();
    for (let i = 0; i < 12; i += 1) {
      await at.upsert(`many-${i}`, { jti: `many-${i}`, kind: 'AccessToken', clientId: CLIENT_ID, accountId: ACCOUNT_ID, exp: exp() }, 3600);
    }
    statements.length = 0;
    current = undefined;
    const first = at.find('many-0');
    // Issued on a later turn of the event loop, while the first lookup's statement is in flight.
    await new Promise((resolve) => { setImmediate(resolve); });
    const rest = Array.from({ length: 11 }, (_, i) => at.find(`many-${i + 1}`));
    const found = await Promise.all([first, ...rest, at.find('no-such-token')]);
    expect(found.map((payload) => payload?.jti)).toEqual([...Array.from({ length: 12 }, (_, i) => `many-${i}`), undefined]);
    expect(statements.length).toBeLessThanOrEqual(2);
  });

  it('answers a revoked grant as gone', async () => {
    const { at, grant } = adapters();
    await grant.destroy('grant-1');
    current = {};
    expect(await at.find('token-1')).toMatchObject({ grantId: 'grant-1' });
    expect(await grant.find('grant-1')).toBeUndefined();
  });
});
