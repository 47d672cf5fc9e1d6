import type { Mailer, MailKind } from './create-mailer.js';
import type { MailRenderer, MailTemplate } from './render-mail.js';

/**
 * The mails of the account lifecycle, each rendered from its templates
 * (templates/) and handed to the mailer. Every method resolves true when the
 * SMTP server accepted the mail; a failed delivery resolves false (create-mailer.ts),
 * only a broken template rejects.
 */
export interface AccountMails {
  readonly enabled: boolean;
  passwordReset(mail: { to: string; username: string; link: string; ttlSeconds: number }): Promise<boolean>;
  /** `welcome` after a sign-up; otherwise a new or changed address. */
  verifyEmail(mail: { to: string; username: string; link: string; ttlSeconds: number; welcome: boolean }): Promise<boolean>;
  /** To the old address when a change to `newEmail` is asked for. */
  emailChangeNotice(mail: { to: string; username: string; newEmail: string }): Promise<boolean>;
  invitation(mail: { to: string; username: string; link: string; ttlSeconds: number }): Promise<boolean>;
}

/** 1800 → "30 minutes", 7 days → "7 days": the lifetime as a person reads it. */
export function describeLifetime(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds % 86400 === 0) return plural(seconds / 86400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  return plural(Math.max(1, Math.round(seconds / 60)), 'minute');
}

export interface AccountMailsDeps {
  mailer: Mailer;
  render: MailRenderer;
  issuer: string;
  productName: string;
}

export function createAccountMails({ mailer, render, issuer, productName }: AccountMailsDeps): AccountMails {
  const send = async (kind: MailKind, template: MailTemplate, to: string, subject: string, locals: Record<string, unknown>) => {
    const { html, text } = render(template, { heading: subject, ...locals });
    return mailer.send({ to, subject, html, text }, kind);
  };
  return {
    enabled: mailer.enabled,
    passwordReset: ({ to, username, link, ttlSeconds }) =>
      send('password_reset', 'password-reset', to, `Reset your password for ${productName}`, { username, link, lifetime: describeLifetime(ttlSeconds) }),
    verifyEmail: ({ to, username, link, ttlSeconds, welcome }) =>
      send('email_verification', 'verify-email', to, welcome ? `Welcome to ${productName}: confirm your e-mail address` : `Confirm your e-mail address for ${productName}`, {
        intro: welcome ? `Your account at ${productName} is ready.` : `An e-mail address was set for your account at ${productName}.`,
        username, email: to, link, lifetime: describeLifetime(ttlSeconds),
      }),
    emailChangeNotice: ({ to, username, newEmail }) =>
      send('email_change_notice', 'email-change-notice', to, `Your e-mail address at ${productName} is being changed`, {
        username, oldEmail: to, newEmail, passwordLink: `${issuer}/account/password`,
      }),
    invitation: ({ to, username, link, ttlSeconds }) =>
      send('invitation', 'invitation', to, `You are invited to ${productName}`, { username, link, lifetime: describeLifetime(ttlSeconds) }),
  };
}
