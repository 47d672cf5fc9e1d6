import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';

/**
 * bcrypt only reads the first 72 bytes of its input; longer passwords would be
 * silently truncated, so new passwords are capped instead.
 */
export const MAX_PASSWORD_BYTES = 72;

/** The async bcrypt API runs on libuv's thread pool, so hashing never blocks the event loop. */
export async function hashPassword(plain: string, cost: number): Promise<string> {
  return bcrypt.hash(plain, cost);
}

export async function verifyPassword(plain: string, hash: string): Promise<boolean> {
  return bcrypt.compare(plain, hash);
}

// One dummy hash per cost, made on first use, so an unknown username costs
// the same bcrypt work as a known one.
const dummyHashes = new Map<number, Promise<string>>();

function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = hashPassword(randomBytes(32).toString('base64url'), cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}

/**
 * Compares against a hash nobody knows the password of and always answers
 * false; used when the username does not exist so response time does not
 * reveal whether an account exists.
 */
export async function verifyAgainstDummy(plain: string, cost: number): Promise<false> {
  await verifyPassword(plain, await dummyHash(cost));
  return false;
}
