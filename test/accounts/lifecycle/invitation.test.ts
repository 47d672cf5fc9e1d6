import { HttpBrowser, readForm } from '../../support/http-browser.js';
import { runCli } from '../../support/run-cli.js';
import { linkIn, startSmtpListener, type ReceivedMail, type SmtpListener } from '../../support/smtp-listener.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';

// Issue 14: `users invite` makes an account without a password and mails the
// person a link to choose one; the real CLI against the server's schema.
const isInvitationFor = (to: string) => (mail: ReceivedMail) => mail.to.includes(to) && mail.subject.startsWith('You are invited');

describe('invitations', () => {
  let smtp: SmtpListener;
  let server: TestServer;
  let cli: (args: string[]) => ReturnType<typeof runCli>;

  beforeAll(async () => {
    smtp = await startSmtpListener();
    server = await startTestServer('invitations', { env: { SMTP_URL: smtp.url, BRAND_NAME: 'Acme ID' } });
    const env = { ...server.stores.env, SMTP_URL: smtp.url, ISSUER: server.issuer, BRAND_NAME: 'Acme ID' };
    cli = (args) => runCli({ env }, args);
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  async function choosePassword(link: string, password: string): Promise<{ status: number; html: string }> {
    const browser = new HttpBrowser(server.issuer);
    const page = await browser.request(link);
    const html = await page.text();
    if (page.status !== 200) return { status: page.status, html };
    const form = readForm(html, /\/account\/invitation$/);
    const response = await browser.request(form.action, { form: { ...form.fields, new_password: password, confirm_password: password } });
    return { status: response.status, html: await response.text() };
  }

  async function signIn(credentials: { username: string; password: string }): Promise<string> {
    const browser = new HttpBrowser(server.issuer);
    const login = readForm(await (await browser.follow('/account')).response.text(), /\/login$/);
    return (await browser.follow(login.action, { form: { ...login.fields, ...credentials } })).url;
  }

  it('creates the account without a usable password; the mailed link sets one once and verifies the address', async () => {
    const result = await cli(['users', 'invite', '--email', 'grace@example.com', '--name', 'Grace Hopper', '--role', 'staff']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^invited grace@example\.com \([0-9a-f-]{36}\) with role staff; the link mailed to grace@example\.com works until \d{4}-/);
    expect(await server.app.accounts.findUserByUsername('grace@example.com')).toMatchObject({ role: 'staff', name: 'Grace Hopper', emailVerified: false });

    const mail = await smtp.take(isInvitationFor('grace@example.com'));
    expect(mail.subject).toBe('You are invited to Acme ID');
    expect(mail.text).toContain('Your username is grace@example.com.');
    expect(mail.text).toContain('expires in 7 days');
    const link = linkIn(mail, '/account/invitation');
    const page = await (await new HttpBrowser(server.issuer).request(link)).text();
    expect(page).toContain('Your username is grace@example.com.');

    const done = await choosePassword(link, 'grace chosen password 1');
    expect(done.status).toBe(200);
    expect(done.html).toContain('Your account is ready');
    expect(await signIn({ username: 'grace@example.com', password: 'grace chosen password 1' })).toBe(`${server.issuer}/account`);
    expect(await server.app.accounts.findUserByUsername('grace@example.com')).toMatchObject({ emailVerified: true });
    expect((await choosePassword(link, 'grace other password 1')).status).toBe(400);
  });

  it('mails a new link with `users reinvite`; the older one stops working', async () => {
    expect((await cli(['users', 'invite', '--email', 'linus@example.com', '--username', 'linus'])).code).toBe(0);
    const first = linkIn(await smtp.take(isInvitationFor('linus@example.com')), '/account/invitation');
    const again = await cli(['users', 'reinvite', 'linus']);
    expect(again.code).toBe(0);
    const second = linkIn(await smtp.take(isInvitationFor('linus@example.com')), '/account/invitation');
    expect((await choosePassword(first, 'linus password 1')).status).toBe(400);
    expect((await choosePassword(second, 'linus password 1')).status).toBe(200);
  });

  it('refuses a taken username and writes the invitation to the audit trail', async () => {
    const taken = await cli(['users', 'invite', '--email', 'other@example.com', '--username', 'linus']);
    expect(taken).toMatchObject({ code: 1, stderr: 'error: A user named "linus" already exists\n' });
    const events = await server.stores.handle.db.selectFrom('audit_events').select(['event', 'details']).where('event', 'in', ['user.invited', 'invitation.accepted']).execute();
    expect(events.map((row) => row.event).sort()).toEqual(['invitation.accepted', 'invitation.accepted', 'user.invited', 'user.invited', 'user.invited']);
    expect(events.every((row) => row.details.source === 'cli' || row.details.source === 'sign-in')).toBe(true);
  });

  it('mails the verification link again with `users send-verification`', async () => {
    const env = { ...server.stores.env, SMTP_URL: smtp.url, ISSUER: server.issuer, BRAND_NAME: 'Acme ID' };
    const created = await runCli({ env }, ['users', 'create', '--username', 'ada', '--email', 'ada@example.com', '--password-stdin'], 'ada long password 1\n');
    expect(created.code).toBe(0);
    await smtp.take((mail) => mail.to.includes('ada@example.com') && mail.subject.startsWith('Confirm your e-mail address'));
    const again = await cli(['users', 'send-verification', 'ada']);
    expect(again).toMatchObject({ code: 0, stdout: 'verification link mailed to ada@example.com\n' });
    const mail = await smtp.take((received) => received.to.includes('ada@example.com') && received.subject.startsWith('Confirm your e-mail address'));
    expect(linkIn(mail, '/account/verify-email')).toContain('/account/verify-email');
  });
});
