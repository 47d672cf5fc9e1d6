import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// AES-256-GCM envelope for secrets at rest (private signing keys, generated
// cookie keys). The key is derived with HKDF so KEY_ENCRYPTION_SECRET can be
// any long random string rather than exactly 32 raw bytes.
const VERSION = 'v1';

function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'oidc-server secret-box', 'aes-256-gcm', 32));
}

export interface SecretBox {
  readonly enabled: boolean;
  seal(plaintext: string): string;
  open(sealed: string): string;
}

export function createSecretBox(secret: string | undefined): SecretBox {
  const key = secret ? deriveKey(secret) : undefined;
  return {
    enabled: key !== undefined,
    seal(plaintext) {
      if (!key) return plaintext;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed) {
      if (!key) throw new Error('an encrypted secret is stored but KEY_ENCRYPTION_SECRET is not set');
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || !body) throw new Error('stored secret has an unknown format');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new Error('KEY_ENCRYPTION_SECRET does not decrypt the stored secrets (was it changed?)');
      }
    },
  };
}
