import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// Client secrets are stored as scrypt hashes. scrypt keeps an operator-chosen,
// guessable secret expensive to brute-force from a database dump; generated
// secrets (256 random bits) would be safe with a plain hash too. The token
// endpoint does not pay scrypt per request: a successful verification is
// remembered in memory, keyed by SHA-256 of (stored hash, presented secret),
// so later requests cost one SHA-256. Failed attempts are never remembered.

const PREFIX = '$scrypt$';
const PARAMS = { N: 1 << 14, r: 8, p: 1, keyLength: 32 };
const CACHE_LIMIT = 10_000;

function scrypt(secret: string, salt: Buffer, options: ScryptOptions, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(secret, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** 256 bits of randomness, URL-safe. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function isClientSecretHash(value: string): boolean {
  return value.startsWith(PREFIX);
}

export async function hashClientSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, { N: PARAMS.N, r: PARAMS.r, p: PARAMS.p }, PARAMS.keyLength);
  return `${PREFIX}N=${PARAMS.N},r=${PARAMS.r},p=${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

async function verifyWithScrypt(secret: string, stored: string): Promise<boolean> {
  const [, , params, salt, expected] = stored.split('$');
  const parsed = Object.fromEntries((params ?? '').split(',').map((part) => part.split('=')).map(([k, v]) => [k, Number(v)]));
  if (!salt || !expected || !parsed.N || !parsed.r || !parsed.p) return false;
  const expectedKey = Buffer.from(expected, 'base64url');
  const key = await scrypt(secret, Buffer.from(salt, 'base64url'), { N: parsed.N, r: parsed.r, p: parsed.p, maxmem: 64 * 1024 * 1024 }, expectedKey.length);
  return timingSafeEqual(key, expectedKey);
}

export interface ClientSecretVerifier {
  verify(presented: string, stored: string): Promise<boolean>;
}

export function createClientSecretVerifier(): ClientSecretVerifier {
  const verified = new Map<string, true>();
  return {
    async verify(presented, stored) {
      if (!isClientSecretHash(stored) || typeof presented !== 'string' || presented.length === 0 || presented.length > 512) return false;
      const cacheKey = createHash('sha256').update(stored).update('\0').update(presented).digest('base64url');
      if (verified.has(cacheKey)) return true;
      if (!(await verifyWithScrypt(presented, stored))) return false;
      if (verified.size >= CACHE_LIMIT) verified.delete(verified.keys().next().value as string);
      verified.set(cacheKey, true);
      return true;
    },
  };
}

export const clientSecretCodec = { hash: hashClientSecret, isHash: isClientSecretHash };
