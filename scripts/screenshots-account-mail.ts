/**
 * The account-mail pages for npm run screenshots (screenshots.ts): "forgot
 * password", the reset page opened from the mail, the mail itself (its HTML
 * part), sign-up through prompt=create, the e-mail page and the confirmation
 * page. Mails go to a real SMTP server on loopback (smtp-server, a
 * development dependency), kept here. Runs once per width.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import type { ServerApp } from '../src/compose/create-server-app.js';

type Shot = (name: string) => Promise<void>;

/** Someone who forgot their password; each width resets it anew. */
const GRACE = { username: 'grace', password: 'grace-password-0', email: 'grace@example.com', name: 'Grace Hopper' };

export interface MailCatcher {
  readonly url: string;
  /** The next mail to `to` (its raw source), once it has arrived. */
  next(to: string): Promise<string>;
  close(): Promise<void>;
}

/** Accepts every mail on 127.0.0.1 without STARTTLS or authentication. */
export async function startMailCatcher(): Promise<MailCatcher> {
  const inbox: Array<{ to: string[]; raw: string }> = [];
  const waiting: Array<{ to: string; resolve: (raw: string) => void }> = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const mail = { to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw: Buffer.concat(chunks).toString('latin1') };
        const waiter = waiting.find((candidate) => mail.to.includes(candidate.to));
        if (waiter) {
          waiting.splice(waiting.indexOf(waiter), 1);
          waiter.resolve(mail.raw);
        } else {
          inbox.push(mail);
        }
        done();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    next(to) {
      const index = inbox.findIndex((mail) => mail.to.includes(to));
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0]!.raw);
      return new Promise((resolve) => { waiting.push({ to, resolve }); });
    },
    close: () => new Promise((resolve) => { server.close(() => resolve()); }),
  };
}

/** A quoted-printable part (RFC 2045 §6.7) back to text. */
function decodeQuotedPrintable(body: string): string {
  return Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
}

/** The HTML part of a nodemailer text+HTML mail, and the link to `path` in it. */
function htmlPartOf(raw: string, path: string): { html: string; link: string } {
  const part = /Content-Type: text\/html[^\r\n]*\r\nContent-Transfer-Encoding: ([\w-]+)\r\n\r\n([\s\S]*?)\r\n--/i.exec(raw);
  if (!part) throw new Error('the mail has no HTML part');
  const html = part[1]!.toLowerCase() === 'base64' ? Buffer.from(part[2]!, 'base64').toString('utf8') : decodeQuotedPrintable(part[2]!);
  const link = new RegExp(`https?://[^"\\s]+${path}\\?token=[\\w-]{43}`).exec(html)?.[0];
  if (!link) throw new Error(`no ${path} link in the mail`);
  return { html, link };
}

export async function addAccountMailFixtures(app: ServerApp): Promise<void> {
  const user = await app.accounts.createUser(GRACE);
  await app.accounts.updateProfile(user.id, { emailVerified: true });
}

export async function walkAccountMail(page: Page, shot: Shot, { issuer, redirectUri, mail, pass }: { issuer: string; redirectUri: string; mail: MailCatcher; pass: number }): Promise<void> {
  const auth = (prompt?: string) => `${issuer}/auth?${new URLSearchParams({
    client_id: 'photo-book', response_type: 'code', redirect_uri: redirectUri, scope: 'openid profile email', state: 'demo',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', ...(prompt ? { prompt } : {}),
  })}`;
  // Whoever the earlier walks left signed in is signed out: this walk starts as a visitor.
  await page.context().clearCookies();
  await page.goto(auth());
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await shot('30-forgot-password');
  await page.getByLabel('Username or email').fill(GRACE.email);
  await page.getByRole('button', { name: 'Send link' }).click();
  await page.getByRole('status').waitFor();
  await shot('31-forgot-password-sent');

  const { html, link } = htmlPartOf(await mail.next(GRACE.email), '/account/reset-password');
  // Off our origin first: the pages' CSP (style-src 'self') would drop the mail's inline styles, which mail clients apply.
  await page.goto('about:blank');
  await page.setContent(html);
  await shot('32-mail-password-reset');
  await page.goto(link);
  await shot('33-reset-password');
  const password = `grace-password-${pass}`;
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('New password again').fill(password);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await page.getByRole('status').waitFor();
  await shot('34-reset-password-done');

  await page.goto(`${issuer}/account/email`);
  await page.getByLabel('Username or email').fill(GRACE.username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByLabel('New e-mail address').fill(`grace.${pass}@example.org`);
  await page.getByRole('button', { name: 'Send confirmation link' }).click();
  await page.getByRole('status').waitFor();
  await shot('35-account-email-pending');
  const confirm = htmlPartOf(await mail.next(`grace.${pass}@example.org`), '/account/verify-email');
  await mail.next(GRACE.email); // the notice to the old address
  await page.goto(confirm.link);
  await shot('36-verify-email');
  await page.goto(`${issuer}/session/end`);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.locator('h1', { hasText: 'You are signed out' }).waitFor();

  await page.goto(auth('create'));
  await page.locator('h1', { hasText: 'Create an account' }).waitFor();
  await shot('37-sign-up');
}
