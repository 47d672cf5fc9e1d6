import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { AccountTokenPurpose, Database } from '../db/schema.js';
import * as tokens from './account-tokens-repository.js';

export type { AccountTokenRow } from './account-tokens-repository.js';

/**
 * The one-time links of the account mails. A token is 256 random bits
 * (base64url, 43 characters); only its SHA-256 is stored, so the table alone
 * opens nothing. A plain hash (no salt, no bcrypt) is enough for a random
 * value of that size and lets a link be found by its digest.
 */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function digestOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** A fresh token and its digest; made on every path of a request that may mail a link, so both paths do this work. */
export function newToken(): { token: string; digest: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, digest: digestOf(token) };
}

/** Whether a value can be a token at all; anything else is refused without a query. */
export function isTokenShaped(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value);
}

export interface IssueTokenInput {
  purpose: AccountTokenPurpose;
  userId: string;
  email: string | null;
  ttlSeconds: number;
  /** Links of these purposes the account still holds stop working (a new reset link replaces the older ones). */
  replaces: readonly AccountTokenPurpose[];
  /** A token made beforehand (newToken); one is made here otherwise. */
  token?: { token: string; digest: string };
}

/** Stores a new link and invalidates the ones it replaces, in one transaction; returns the token for the mail. */
export async function issueAccountToken(db: Kysely<Database>, input: IssueTokenInput): Promise<string> {
  const { token, digest } = input.token ?? newToken();
  await db.transaction().execute(async (trx) => {
    if (input.replaces.length > 0) await tokens.deleteAccountTokens(trx, input.userId, input.replaces);
    await tokens.insertAccountToken(trx, {
      digest, purpose: input.purpose, user_id: input.userId, email: input.email, expires_at: new Date(Date.now() + input.ttlSeconds * 1000),
    });
  });
  return token;
}

/** The link's row while it can still be used; for the page that shows the form (nothing is used up). */
export async function peekAccountToken(db: Kysely<Database>, token: unknown, purposes: readonly AccountTokenPurpose[]): Promise<tokens.AccountTokenRow | undefined> {
  return isTokenShaped(token) ? tokens.findUsableAccountToken(db, digestOf(token), purposes) : undefined;
}

/** Uses the link up, atomically; undefined when it is unknown, expired or used already. */
export async function consumeAccountTokenOf(db: Kysely<Database> | Transaction<Database>, token: unknown, purposes: readonly AccountTokenPurpose[]): Promise<tokens.AccountTokenRow | undefined> {
  return isTokenShaped(token) ? tokens.consumeAccountToken(db, digestOf(token), purposes) : undefined;
}
