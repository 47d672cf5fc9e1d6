import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { SecretBox } from './secret-box.js';
import { findServerSecret, insertServerSecretIfAbsent } from './server-secrets-repository.js';

const NAME = 'cookie_keys';

/**
 * COOKIE_KEYS when configured; otherwise keys generated once and kept in the
 * database, so sessions survive restarts and every instance signs alike.
 */
export async function loadCookieKeys(db: Kysely<Database>, box: SecretBox, configured: readonly string[] | undefined): Promise<string[]> {
  if (configured?.length) return [...configured];
  let stored = await findServerSecret(db, NAME);
  if (!stored) {
    const generated = JSON.stringify([randomBytes(32).toString('base64url')]);
    await insertServerSecretIfAbsent(db, NAME, box.seal(generated), box.enabled);
    stored = await findServerSecret(db, NAME);
  }
  if (!stored) throw new Error('cookie keys could not be stored');
  return JSON.parse(stored.encrypted ? box.open(stored.value) : stored.value) as string[];
}
