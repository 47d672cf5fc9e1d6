import { startTestServer, type TestServer } from '../support/test-server.js';
import { page, signInToAdmin } from './admin-support.js';

// The console behind the strong-authentication requirement (MFA_REQUIRED_ROLES),
// on the embedded database (PGlite), where the console's index migrations must run too.
describe('operator console with MFA_REQUIRED_ROLES on the embedded database', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('admin_strong_auth', { kind: 'pglite', env: { MFA_REQUIRED_ROLES: 'staff,superuser' } });
  });
  afterAll(async () => { await server.close(); });

  it('sends a staff member whose session has one factor through the second factor before the console', async () => {
    const paula = await server.app.accounts.createUser({ username: 'paula', password: 'paula-password-1' });
    // Signed in as a plain user: one factor is enough for the account page, the console says no.
    const { browser, status } = await signInToAdmin(server.issuer, { username: 'paula', password: 'paula-password-1' });
    expect(status).toBe(403);

    // Made staff later, inside the same one-factor session: the console asks for the second factor first.
    await server.app.accounts.setRole(paula.id, 'staff');
    const direct = await browser.request('/admin/people');
    expect(direct.status).toBe(303);
    expect(direct.headers.get('location')).toBe('/account/sign-in?return=%2Fadmin%2Fpeople');
    const landed = await page(browser, '/admin/people');
    expect(landed.url).toMatch(/\/interaction\//);
    expect(landed.html).toContain('Add a second step');
    expect(landed.html).not.toContain('admin-nav');
  });

  it('searches people on the embedded database with the new indexes', async () => {
    const sam = await server.app.accounts.createUser({ username: 'Sam.Search', password: 'sam-password-1', email: 'sam@example.org' });
    const page1 = await server.app.accounts.searchUsers({ query: 'SAM.', limit: 5 });
    expect(page1.users.map((user) => user.id)).toEqual([sam.id]);
    expect((await server.app.accounts.searchUsers({ query: 'sam@EX' })).users.map((user) => user.id)).toEqual([sam.id]);
    expect((await server.app.accounts.searchUsers({ query: 'sa%' })).users).toEqual([]);
  });
});
