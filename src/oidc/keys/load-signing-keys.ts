import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { SecretBox } from './secret-box.js';
import { findSigningKeys, insertSigningKey, lockSigningKeys } from './signing-keys-repository.js';

export type PrivateJwk = Record<string, unknown> & { kid: string; alg: string; kty: string };

// RS256 is what every relying party supports (OpenID Connect Core §15.1);
// ES256 is offered beside it for clients that prefer smaller signatures.
export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;
const ALGORITHMS = SIGNING_ALGORITHMS;

export function generateJwk(alg: (typeof ALGORITHMS)[number]): { publicJwk: Record<string, unknown>; privateJwk: PrivateJwk } {
  const pair = alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomBytes(12).toString('base64url');
  const meta = { kid, alg, use: 'sig' };
  return {
    publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), ...meta },
    privateJwk: { ...pair.privateKey.export({ format: 'jwk' }), ...meta } as PrivateJwk,
  };
}

/**
 * Returns the private signing keys, newest first, creating one per algorithm on
 * first boot. Stored in the database so every instance and every restart
 * publishes the same JWKS and `kid`s.
 */
export async function loadSigningKeys(db: Kysely<Database>, box: SecretBox, options: { retiredGraceSeconds?: number } = {}): Promise<PrivateJwk[]> {
  let stored = await findSigningKeys(db);
  const missing = ALGORITHMS.filter((alg) => !stored.some((key) => key.alg === alg && !key.retiredAt));
  if (missing.length) {
    await db.transaction().execute(async (trx) => {
      await lockSigningKeys(trx);
      const current = await findSigningKeys(trx);
      for (const alg of missing) {
        if (current.some((key) => key.alg === alg && !key.retiredAt)) continue;
        const { publicJwk, privateJwk } = generateJwk(alg);
        await insertSigningKey(trx, { kid: privateJwk.kid, alg, publicJwk, privateJwk: box.seal(JSON.stringify(privateJwk)), encrypted: box.enabled });
      }
    });
    stored = await findSigningKeys(db);
  }
  // oidc-provider signs with the first key of an algorithm (its keystore sort is
  // stable), so current keys come first, newest first. A retired key stays
  // published for verification until every token it signed has expired
  // (retired_at + the longest token lifetime), then it leaves the JWKS.
  const grace = options.retiredGraceSeconds ?? Number.POSITIVE_INFINITY;
  const now = Date.now();
  const published = stored
    .filter((key) => !key.retiredAt || key.retiredAt.getTime() + grace * 1000 > now)
    .sort((a, b) => Number(Boolean(a.retiredAt)) - Number(Boolean(b.retiredAt)));
  return published.map((key) => JSON.parse(key.encrypted ? box.open(key.privateJwk) : key.privateJwk) as PrivateJwk);
}
