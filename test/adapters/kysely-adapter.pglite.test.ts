import { createTestStores, type TestStores } from '../support/test-stores.js';
import { describeAdapterContract } from './adapter-contract.js';
import { createSqlHarness, seedContractParties } from './sql-harness.js';

let stores: TestStores;

beforeAll(async () => {
  stores = await createTestStores('kysely-adapter-pglite', 'pglite');
  await seedContractParties(stores.handle.db);
});

afterAll(async () => {
  await stores.cleanup();
});

describeAdapterContract('PGlite', () => createSqlHarness(stores.handle.db));
