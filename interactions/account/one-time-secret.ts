import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';

type ReplayModel = { unique(iss: string, jti: string, exp: number): Promise<boolean> };

const COOKIE = 'op.new_secret';
const COOKIE_PATH = '/account/apps';
const TTL_SECONDS = 10 * 60;
const REPLAY_NAMESPACE = 'account-app-secret';

interface Ticket {
  clientId: string;
  userId: string;
  secret: string;
  jti: string;
  exp: number;
}

/**
 * A client secret handed from the POST that made it to the page the browser
 * is redirected to (post/redirect/get, 303), and shown there exactly once.
 * The secret never rests on the server: it travels in an AES-256-GCM sealed,
 * HttpOnly cookie scoped to /account/apps that lives ten minutes at most.
 * That it is shown once is recorded in oidc-provider's ReplayDetection model
 * (Redis, or SQL without REDIS_URL; the same one-time store the provider uses
 * for proof ids, see src/api/provider-replay-cache.ts), so a reload, a second
 * instance or a copied cookie does not show it again.
 */
export interface OneTimeSecrets {
  /** Seals the secret for this browser; the next page view of the app takes it. */
  put(ctx: Context, entry: { clientId: string; userId: string; secret: string }): void;
  /** The secret for this app and person, once; undefined after that (and the cookie is cleared). */
  take(ctx: Context, entry: { clientId: string; userId: string }): Promise<string | undefined>;
}

/** `path` scopes the cookie to the pages that show the secret (the operator console's are under /admin/apps). */
export function createOneTimeSecrets({ key, provider, secure, path = COOKIE_PATH }: { key: string; provider: Provider; secure: boolean; path?: string }): OneTimeSecrets {
  const aesKey = Buffer.from(hkdfSync('sha256', key, 'oidc-server one-time secret', 'aes-256-gcm', 32));
  const replay = (provider as unknown as { ReplayDetection: ReplayModel }).ReplayDetection;
  const options = { httpOnly: true, sameSite: 'lax' as const, secure, path, overwrite: true, signed: false };

  function seal(ticket: Ticket): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(ticket), 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
  }

  function open(sealed: string | undefined): Ticket | undefined {
    const [iv, tag, body] = (sealed ?? '').split('.');
    if (!iv || !tag || !body) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', aesKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')) as Ticket;
    } catch {
      return undefined;
    }
  }

  return {
    put(ctx, entry) {
      const ticket: Ticket = { ...entry, jti: randomBytes(16).toString('base64url'), exp: Math.floor(Date.now() / 1000) + TTL_SECONDS };
      if (secure) ctx.cookies.secure = true;
      ctx.cookies.set(COOKIE, seal(ticket), { ...options, maxAge: TTL_SECONDS * 1000 });
    },
    async take(ctx, { clientId, userId }) {
      const ticket = open(ctx.cookies.get(COOKIE));
      if (!ticket || ticket.clientId !== clientId || ticket.userId !== userId) return undefined;
      if (secure) ctx.cookies.secure = true;
      ctx.cookies.set(COOKIE, null, options);
      if (ticket.exp <= Math.floor(Date.now() / 1000)) return undefined;
      return (await replay.unique(REPLAY_NAMESPACE, ticket.jti, ticket.exp)) ? ticket.secret : undefined;
    },
  };
}
