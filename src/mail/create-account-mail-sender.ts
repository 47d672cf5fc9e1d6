import type { Config } from '../config/load-config.js';
import type { Logger } from '../observability/logger.js';
import { createAccountMails, type AccountMails } from './account-mails.js';
import { createMailer, type MailKind } from './create-mailer.js';
import { createMailRenderer } from './render-mail.js';

/** The product name the mails are signed with: BRAND_NAME, else the issuer's host (as on the pages). */
export function mailProductName(config: Pick<Config, 'branding' | 'issuer'>): string {
  return config.branding.name ?? new URL(config.issuer).host;
}

/** The account mails as configured (SMTP_URL, MAIL_FROM, BRAND_*), and how to close their SMTP transport. */
export function createAccountMailSender(config: Config, logger: Logger, onFailure?: (kind: MailKind) => void): { mails: AccountMails; close(): void } {
  const productName = mailProductName(config);
  const mailer = createMailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, production: config.env === 'production', logger, onFailure });
  const render = createMailRenderer({ productName, color: config.branding.color, logoUrl: config.branding.logoUrl });
  return { mails: createAccountMails({ mailer, render, issuer: config.issuer, productName }), close: () => mailer.close() };
}
