import { loadConfig } from '../../../src/config/load-config.js';
import { HttpBrowser, readForm } from '../../support/http-browser.js';
import { LogSink } from '../../support/log-sink.js';
import { startSmtpListener } from '../../support/smtp-listener.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { waitFor } from '../../support/wait-for.js';

// Issue 14: how mail leaves (SMTP, or the log in development), that a failed
// delivery never changes the answer, and the production rules.
const user = { username: 'mia-mail', password: 'mia mail password 1', email: 'mia@example.com' };

async function askForReset(issuer: string, identifier: string): Promise<{ status: number; html: string }> {
  const browser = new HttpBrowser(issuer);
  const form = readForm(await (await browser.request('/account/forgot-password')).text(), /forgot-password$/);
  const response = await browser.request(form.action, { form: { ...form.fields, identifier } });
  return { status: response.status, html: await response.text() };
}

async function withServer(label: string, env: Record<string, string>, run: (server: TestServer, logs: LogSink) => Promise<void>): Promise<void> {
  const logs = new LogSink();
  const server = await startTestServer(label, { env, logDestination: logs });
  try {
    await server.app.accounts.createUser(user);
    await run(server, logs);
  } finally {
    await server.close();
  }
}

describe('mail delivery', () => {
  it('writes the mail, link included, to the log at info level when SMTP_URL is unset outside production', async () => {
    await withServer('mail_to_log', {}, async (server, logs) => {
      expect((await askForReset(server.issuer, user.username)).status).toBe(200);
      const line = await waitFor('the mail in the log', () => logs.lines.find((entry) => (entry.mail as { kind?: string } | undefined)?.kind === 'password_reset'));
      expect(line.level).toBe(30);
      const mail = line.mail as { to: string; text: string };
      expect(mail.to).toBe(user.email);
      const link = /http:\/\/\S+\/account\/reset-password\?token=[\w-]{43}/.exec(mail.text)?.[0];
      expect((await new HttpBrowser(server.issuer).request(link!)).status).toBe(200);
    });
  });

  it('answers the same when the SMTP server cannot be reached, and counts the failure', async () => {
    const gone = await startSmtpListener();
    await gone.close();
    await withServer('mail_failure', { SMTP_URL: gone.url }, async (server, logs) => {
      const page = await askForReset(server.issuer, user.username);
      expect(page.status).toBe(200);
      expect(page.html).toContain('is on its way');
      const failures = async () => (await server.app.metrics.mailFailures.get()).values.find((value) => value.labels.kind === 'password_reset')?.value ?? 0;
      await waitFor('the failure to be counted', async () => (await failures()) === 1);
      const warning = logs.lines.find((entry) => entry.msg === 'sending a mail failed');
      expect(warning).toMatchObject({ level: 40, kind: 'password_reset' });
      // The link never reaches the log, not even on failure.
      expect(logs.raw.some((raw) => raw.includes('token='))).toBe(false);
    });
  });

  it('in production without SMTP_URL offers no mailed links at all', async () => {
    await withServer('mail_production_off', { NODE_ENV: 'production', COOKIE_KEYS: 'mail-production-cookie-key-0123456789-0123' }, async (server) => {
      expect((await new HttpBrowser(server.issuer).request('/account/forgot-password')).status).toBe(404);
      const login = await (await new HttpBrowser(server.issuer).follow('/account')).response.text();
      expect(login).toContain('<h1>Sign in</h1>');
      expect(login).not.toContain('Forgot password?');
    });
  });
});

describe('mail settings', () => {
  const base = { NODE_ENV: 'production', COOKIE_KEYS: 'mail-settings-cookie-key-0123456789-012345', ISSUER: 'https://id.example.com' };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      return (err as { problems: string[] }).problems;
    }
  };

  it('stops a production start with sign-up on and no SMTP_URL, naming the variable', () => {
    expect(problems({ ...base, SIGNUP: 'open' })).toEqual(['SMTP_URL: required when SIGNUP=open and NODE_ENV=production (sign-up mails a verification link)']);
    expect(problems({ ...base, SIGNUP: 'invite-only', SMTP_URL: 'smtps://mailer:secret@smtp.example.com' })).toEqual([]);
  });

  it('refuses a wrong SMTP_URL, MAIL_FROM or SIGNUP with one line each, never echoing the value', () => {
    const lines = problems({ SMTP_URL: 'https://user:hunter2@smtp.example.com', MAIL_FROM: 'not an address', SIGNUP: 'yes' });
    expect(lines).toEqual([
      'SMTP_URL: must be a URL using smtp: or smtps:',
      'MAIL_FROM: must be an address such as no-reply@example.com or Name <no-reply@example.com>',
      'SIGNUP: must be off, open or invite-only',
    ]);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('signs mails from the product at the issuer host unless MAIL_FROM says otherwise', () => {
    expect(loadConfig({ ...base, BRAND_NAME: 'Acme ID' }).mail.from).toBe('"Acme ID" <no-reply@id.example.com>');
    expect(loadConfig({ ISSUER: 'http://127.0.0.1:4000' }).mail.from).toBe('"127.0.0.1:4000" <no-reply@localhost>');
    expect(loadConfig({ MAIL_FROM: 'Acme <accounts@example.com>' }).mail).toMatchObject({ from: 'Acme <accounts@example.com>', linkTtlSeconds: 1800, invitationTtlSeconds: 604800 });
  });
});
