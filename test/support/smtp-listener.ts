import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One mail as the SMTP server received it, both parts decoded. */
export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface SmtpListener {
  /** SMTP_URL for the server under test. */
  readonly url: string;
  readonly received: readonly ReceivedMail[];
  /**
   * The first received mail not taken yet that matches, or the next one to
   * arrive: a promise the listener resolves when the mail comes in (no
   * polling, no sleeping). Each mail is taken once.
   */
  take(match: (mail: ReceivedMail) => boolean): Promise<ReceivedMail>;
  close(): Promise<void>;
}

function splitHead(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const headers = new Map<string, string>();
  // RFC 5322 §2.2.3: a line starting with white space continues the header above.
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: end < 0 ? '' : raw.slice(end + 4) };
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case 'base64': return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable': {
      // RFC 2045 §6.7: "=" at a line's end is a soft break; =XX is one byte.
      const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    }
    // 7bit and 8bit: the raw bytes (read as latin1 above) are UTF-8.
    default: return Buffer.from(body, 'latin1').toString('utf8');
  }
}

/** Walks a MIME tree (RFC 2046 multipart) and keeps the text/plain and text/html parts. */
function collectParts(raw: string, into: { text: string; html: string }): void {
  const { headers, body } = splitHead(raw);
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith('--')) break;
      collectParts(part.replace(/^\r\n/, ''), into);
    }
    return;
  }
  const decoded = decodeBody(body, headers.get('content-transfer-encoding'));
  if (/^text\/html/i.test(type)) into.html = decoded;
  else if (/^text\/plain/i.test(type)) into.text = decoded;
}

export function parseMail(raw: string, to: string[]): ReceivedMail {
  const parts = { text: '', html: '' };
  collectParts(raw, parts);
  return { to, subject: splitHead(raw).headers.get('subject') ?? '', ...parts };
}

/** The one-time link to `path` in a mail's plain-text part. */
export function linkIn(mail: ReceivedMail, path: string): string {
  const link = new RegExp(`https?://[^\\s]+${path}\\?token=[A-Za-z0-9_-]{43}`).exec(mail.text)?.[0];
  if (!link) throw new Error(`no ${path} link in the mail "${mail.subject}":\n${mail.text}`);
  return link;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1, any free port, that accepts
 * every mail without authentication and keeps it. STARTTLS is not offered,
 * so nodemailer speaks plain SMTP on loopback.
 */
export async function startSmtpListener(): Promise<SmtpListener> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters: Array<{ match: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void }> = [];
  const deliver = (mail: ReceivedMail) => {
    received.push(mail);
    const waiter = waiters.find((candidate) => candidate.match(mail));
    if (!waiter) return;
    waiters.splice(waiters.indexOf(waiter), 1);
    taken.add(mail);
    waiter.resolve(mail);
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        deliver(parseMail(Buffer.concat(chunks).toString('latin1'), session.envelope.rcptTo.map((rcpt) => rcpt.address)));
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    take(match) {
      const ready = received.find((mail) => !taken.has(mail) && match(mail));
      if (ready) {
        taken.add(ready);
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => { waiters.push({ match, resolve }); });
    },
    close: () => new Promise((resolve) => { server.close(() => resolve()); }),
  };
}
