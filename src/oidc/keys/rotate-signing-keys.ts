import type { Kysely } from 'kysely';
import type { Config } from '../../config/load-config.js';
import type { Database } from '../../db/schema.js';
import { SIGNING_ALGORITHMS, generateJwk } from './load-signing-keys.js';
import type { SecretBox } from './secret-box.js';
import {
  deleteSigningKeysRetiredBefore, findSigningKeys, insertSigningKey, lockSigningKeys, retireCurrentSigningKeys,
} from './signing-keys-repository.js';

/**
 * How long a retired key stays in the JWKS: the longest lifetime of anything
 * it signed. ID tokens live ACCESS_TOKEN_TTL (build-ttl.ts), as do JWT access
 * tokens unless a resource server sets its own.
 */
export function retiredKeyGraceSeconds(config: Config, extraTtls: readonly number[] = []): number {
  // Public clients' tokens are never longer-lived than ACCESS_TOKEN_TTL (build-ttl.ts).
  return Math.max(config.ttl.accessToken, ...extraTtls);
}

export interface RotationResult {
  created: Array<{ kid: string; alg: string }>;
  retired: string[];
  deleted: string[];
}

/**
 * Adds a new key per algorithm and retires the current ones, in one
 * transaction under the same advisory lock as first-boot creation. Keys whose
 * publication period ended are deleted. Running servers pick the new keys up
 * when they restart (keys are loaded once at startup).
 */
export async function rotateSigningKeys(db: Kysely<Database>, box: SecretBox, graceSeconds: number): Promise<RotationResult> {
  return db.transaction().execute(async (trx) => {
    await lockSigningKeys(trx);
    const retired = await retireCurrentSigningKeys(trx);
    const created: RotationResult['created'] = [];
    for (const alg of SIGNING_ALGORITHMS) {
      const { publicJwk, privateJwk } = generateJwk(alg);
      await insertSigningKey(trx, { kid: privateJwk.kid, alg, publicJwk, privateJwk: box.seal(JSON.stringify(privateJwk)), encrypted: box.enabled });
      created.push({ kid: privateJwk.kid, alg });
    }
    const deleted = await deleteSigningKeysRetiredBefore(trx, graceSeconds);
    return { created, retired, deleted };
  });
}

export interface SigningKeyStatus {
  kid: string;
  alg: string;
  createdAt: Date;
  retiredAt: Date | null;
  /** current: signs; published: retired but still in the JWKS; expired: no longer published. */
  state: 'current' | 'published' | 'expired';
  publishedUntil: Date | null;
}

export async function listSigningKeys(db: Kysely<Database>, graceSeconds: number): Promise<SigningKeyStatus[]> {
  const now = Date.now();
  return (await findSigningKeys(db)).map((key) => {
    const publishedUntil = key.retiredAt ? new Date(key.retiredAt.getTime() + graceSeconds * 1000) : null;
    const state = !publishedUntil ? 'current' : publishedUntil.getTime() > now ? 'published' : 'expired';
    return { kid: key.kid, alg: key.alg, createdAt: key.createdAt, retiredAt: key.retiredAt, state, publishedUntil };
  });
}
