import { createTestStores, type TestStores } from '../support/test-stores.js';
import { describeAdapterContract } from './adapter-contract.js';
import { createSqlHarness, seedContractParties } from './sql-harness.js';

let stores: TestStores;

beforeAll(async () => {
  stores = await createTestStores('kysely-adapter-pg', 'postgres');
  await seedContractParties(stores.handle.db);
});

afterAll(async () => {
  await stores.cleanup();
});

describeAdapterContract('Postgres', () => createSqlHarness(stores.handle.db));
