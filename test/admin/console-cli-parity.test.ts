import { createAccountService } from '../../src/accounts/account-service.js';
import { runCli } from '../support/run-cli.js';
import { createTestStores, type TestStores } from '../support/test-stores.js';
import { addTestClient } from '../support/test-server.js';

// What the operator console added to the services, through the real CLI: the
// same keyset search of people and the same redirect URI edit under one policy.
describe('console services from the CLI', () => {
  let stores: TestStores;

  beforeAll(async () => {
    stores = await createTestStores('admin_cli_parity', 'postgres');
    const accounts = createAccountService({ db: stores.handle.db, bcryptCost: 4 });
    for (const name of ['cli-ada', 'cli-bob', 'other']) await accounts.createUser({ username: name, password: `${name}-password-1` });
    await addTestClient(stores, { client_id: 'cli-parity-app', client_secret: 'cli-parity-secret-0123456789-0123456789-01', redirect_uris: ['https://parity.example.com/cb'], grant_types: ['authorization_code'] });
  });
  afterAll(async () => { await stores.cleanup(); });

  it('searches users by prefix a page at a time', async () => {
    const result = await runCli(stores, ['users', 'list', '--search', 'CLI-', '--json']);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Array<{ username: string }>).map((user) => user.username)).toEqual(['cli-ada', 'cli-bob']);
  });

  it('replaces redirect URIs under the redirect URI policy', async () => {
    const refused = await runCli(stores, ['clients', 'set-redirect-uris', 'cli-parity-app', 'http://parity.example.com/cb']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('must use https');
    const saved = await runCli(stores, ['clients', 'set-redirect-uris', 'cli-parity-app', 'https://parity.example.com/a', 'https://parity.example.com/b']);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain('https://parity.example.com/a https://parity.example.com/b');
    const events = await stores.handle.db.selectFrom('audit_events').select('details').where('event', '=', 'client.changed').execute();
    expect(events.map((row) => row.details)).toEqual([expect.objectContaining({ change: 'redirect_uris', count: 2 })]);
  });
});
