import { createHash, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import * as codes from './recovery-codes-repository.js';

export interface RecoveryCodesStatus {
  total: number;
  left: number;
  /** When each used code was used, newest first (shown on the account page). */
  used: Date[];
  createdAt: Date | null;
}

export interface RecoveryCodeService {
  /** A fresh set of ten, replacing the old one; the plain codes exist only in this return value. */
  generate(accountId: string): Promise<string[]>;
  /** Uses a code once; false for a wrong or already used one. */
  use(accountId: string, code: string): Promise<boolean>;
  status(accountId: string): Promise<RecoveryCodesStatus>;
}

const COUNT = 10;
// Crockford-style base32 without I, L, O, U: nothing to misread on paper.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
// 12 characters: 60 bits each, shown as xxxx-xxxx-xxxx.
const LENGTH = 12;

function newCode(): string {
  const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return [0, 4, 8].map((start) => chars.slice(start, start + 4).join('')).join('-');
}

/** What a person typed, as stored: lower case, no spaces or dashes. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]+/g, '');
}

/**
 * SHA-256 over the account id and the code: the codes are random with 60
 * bits each (too many to try from a stolen table), so a slow hash would only
 * slow sign-in; the account id keeps one guess from being tried against every
 * account's codes at once.
 */
function hashOf(accountId: string, code: string): string {
  return createHash('sha256').update(`${accountId}:${normalizeRecoveryCode(code)}`).digest('base64url');
}

export function createRecoveryCodeService(db: Kysely<Database>): RecoveryCodeService {
  return {
    async generate(accountId) {
      const fresh = new Set<string>();
      while (fresh.size < COUNT) fresh.add(newCode());
      const list = [...fresh];
      await db.transaction().execute((trx) => codes.replaceRecoveryCodes(trx, accountId, list.map((code) => hashOf(accountId, code))));
      return list;
    },
    async use(accountId, code) {
      const normalized = normalizeRecoveryCode(code);
      if (normalized.length !== LENGTH || [...normalized].some((char) => !ALPHABET.includes(char))) return false;
      return codes.useRecoveryCode(db, accountId, hashOf(accountId, normalized));
    },
    async status(accountId) {
      const rows = await codes.findRecoveryCodes(db, accountId);
      const used = rows.flatMap((row) => (row.used_at ? [row.used_at] : [])).sort((a, b) => b.getTime() - a.getTime());
      return { total: rows.length, left: rows.length - used.length, used, createdAt: rows[0]?.created_at ?? null };
    },
  };
}
