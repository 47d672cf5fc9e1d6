import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// AES-256-GCM under a key derived from the entity's raw id, which no store
// holds (only its SHA-256, storage-id.ts): whoever reads a dump cannot open the
// payload, whoever holds the id (the provider, given it by the client or
// browser) can. HKDF's info separates the payload key from the storage id.
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyFor(model: string, id: string): Buffer {
  return Buffer.from(hkdfSync('sha256', id, '', `oidc ${model} payload v1`, 32));
}

/** iv ‖ tag ‖ ciphertext, base64url. */
export function seal(model: string, id: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFor(model, id), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The plaintext, or undefined when `id` is not the one it was sealed under (or it was altered). */
export function unseal(model: string, id: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(model, id), bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
