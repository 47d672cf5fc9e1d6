import { Secret, TOTP } from 'otpauth';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import * as totp from './totp-repository.js';

/**
 * Seals secrets at rest: the server's secret box (AES-256-GCM under
 * KEY_ENCRYPTION_SECRET, src/oidc/keys/secret-box.ts), passed in so accounts/
 * does not import oidc/. `enabled` is false when no key is configured.
 */
export interface SecretSealer {
  readonly enabled: boolean;
  seal(plaintext: string): string;
  open(sealed: string): string;
}

export interface TotpEnrolment {
  /** Base32, for typing into the app. */
  secret: string;
  /** The otpauth:// URI the QR code carries (Key Uri Format). */
  uri: string;
}

export type TotpCheck = 'ok' | 'invalid' | 'replayed';

export interface TotpStatus {
  confirmedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface TotpService {
  status(accountId: string): Promise<TotpStatus | undefined>;
  /** The pending secret (a new one unless one is already waiting); undefined when a confirmed one exists. */
  begin(account: { id: string; username: string }): Promise<TotpEnrolment | undefined>;
  /** Confirms the pending secret with a first code. */
  confirm(accountId: string, code: string): Promise<TotpCheck>;
  /** Checks a code against the confirmed secret; each time step is accepted once. */
  verify(accountId: string, code: string): Promise<TotpCheck>;
  remove(accountId: string): Promise<boolean>;
}

// RFC 6238 §4 defaults every authenticator app understands: SHA-1, 6 digits, 30 s.
const PERIOD = 30;
const DIGITS = 6;
// RFC 6238 §5.2: one step either side for clock drift and typing time.
const WINDOW = 1;
const CODE = /^\d{6}$/;

export function createTotpService(db: Kysely<Database>, box: SecretSealer, options: { issuer: string; now?: () => number }): TotpService {
  const now = options.now ?? Date.now;
  const secretOf = (row: totp.TotpRow) => Secret.fromBase32(row.encrypted ? box.open(row.secret) : row.secret);
  const uriOf = (secret: Secret, label: string) => new TOTP({ issuer: options.issuer, label, secret, digits: DIGITS, period: PERIOD }).toString();

  /** The time step the code belongs to (within the window), or undefined. */
  function stepOf(row: totp.TotpRow, code: string): number | undefined {
    const token = code.replace(/\s+/g, '');
    if (!CODE.test(token)) return undefined;
    const timestamp = now();
    const delta = TOTP.validate({ token, secret: secretOf(row), digits: DIGITS, period: PERIOD, timestamp, window: WINDOW });
    return delta === null ? undefined : TOTP.counter({ period: PERIOD, timestamp }) + delta;
  }

  async function check(accountId: string, code: string, confirm: boolean): Promise<TotpCheck> {
    const row = await totp.findTotp(db, accountId);
    if (!row || (row.confirmed_at === null) !== confirm) return 'invalid';
    const step = stepOf(row, code);
    if (step === undefined) return 'invalid';
    return (await totp.acceptTotpStep(db, accountId, step, { confirm })) ? 'ok' : 'replayed';
  }

  return {
    async status(accountId) {
      const row = await totp.findTotp(db, accountId);
      return row?.confirmed_at ? { confirmedAt: row.confirmed_at, lastUsedAt: row.last_used_at } : undefined;
    },
    async begin(account) {
      const existing = await totp.findTotp(db, account.id);
      if (existing?.confirmed_at) return undefined;
      if (existing) {
        const secret = secretOf(existing);
        return { secret: secret.base32, uri: uriOf(secret, account.username) };
      }
      // 160 bits, the HMAC-SHA-1 key length RFC 4226 §4 recommends.
      const secret = new Secret({ size: 20 });
      const saved = await totp.savePendingTotp(db, account.id, box.seal(secret.base32), box.enabled);
      return saved ? { secret: secret.base32, uri: uriOf(secret, account.username) } : undefined;
    },
    confirm: (accountId, code) => check(accountId, code, true),
    verify: (accountId, code) => check(accountId, code, false),
    remove: (accountId) => totp.deleteTotp(db, accountId),
  };
}
