import nodemailer from 'nodemailer';
import type { Logger } from '../observability/logger.js';

/** One mail, both parts rendered (render-mail.ts). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Which mail it is, for logs and the failure metric (a bounded label). */
export type MailKind = 'password_reset' | 'email_verification' | 'email_change_notice' | 'invitation';

export interface Mailer {
  /** False in production without SMTP_URL: the features that mail links are off. */
  readonly enabled: boolean;
  /**
   * Hands the mail to the SMTP server. Resolves true once the server accepted
   * it, false when it did not (logged and counted); never rejects, so a page
   * can start a delivery without waiting for it and without a stray rejection.
   */
  send(message: MailMessage, kind: MailKind): Promise<boolean>;
  close(): void;
}

export interface MailerOptions {
  smtpUrl: string | undefined;
  from: string;
  /** Outside production, without SMTP_URL, mails go to the log (with their links) instead. */
  production: boolean;
  logger: Logger;
  onFailure?: (kind: MailKind) => void;
}

// nodemailer waits two minutes for a connection and ten for a quiet socket by
// default; a CLI command that mails an invitation should fail sooner. Values
// in the URL's query (nodemailer reads its options there) win.
const TIMEOUTS = { connectionTimeout: '10000', greetingTimeout: '10000', socketTimeout: '30000' };

function withTimeouts(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  for (const [name, value] of Object.entries(TIMEOUTS)) if (!url.searchParams.has(name)) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * Mail over SMTP with nodemailer (smtp:// tries STARTTLS when the server
 * offers it, smtps:// is TLS from the start; see docs). Without SMTP_URL
 * outside production each mail is written to the log at info level, link
 * included, so development needs no mail server; never in production.
 */
export function createMailer({ smtpUrl, from, production, logger, onFailure }: MailerOptions): Mailer {
  if (!smtpUrl) {
    return {
      enabled: !production,
      async send(message, kind) {
        if (production) return false;
        logger.info({ mail: { kind, to: message.to, subject: message.subject, text: message.text } }, 'mail not sent: SMTP_URL is not set (development only), the mail follows');
        return true;
      },
      close() {},
    };
  }
  const transport = nodemailer.createTransport(withTimeouts(smtpUrl), { from });
  return {
    enabled: true,
    async send(message, kind) {
      try {
        await transport.sendMail({ to: message.to, subject: message.subject, text: message.text, html: message.html });
        return true;
      } catch (err) {
        // The kind and the error, never the body: the link stays out of the log.
        logger.warn({ err: (err as Error).message, kind }, 'sending a mail failed');
        onFailure?.(kind);
        return false;
      }
    },
    close() { transport.close(); },
  };
}
