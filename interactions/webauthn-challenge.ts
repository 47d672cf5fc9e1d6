import type { Context } from 'koa';
import type Provider from 'oidc-provider';

/**
 * WebAuthn challenges (WebAuthn §13.4.3: random, used once, bound to the
 * ceremony). The challenge rides in a cookie signed with the provider's
 * cookie keys (Koa `app.keys`), tied to what it was issued for (an account or
 * an interaction) and to a purpose; spending it records it in oidc-provider's
 * ReplayDetection model (Redis, or SQL without REDIS_URL, like DPoP proofs),
 * so a captured response cannot be replayed even with its cookie.
 */
export type ChallengePurpose = 'register' | 'sign-in' | 'second-factor';

const COOKIE = 'op.webauthn';
// The ceremonies' own timeout (passkey-service.ts) plus a little.
const LIFETIME_SECONDS = 6 * 60;

interface StoredChallenge { c: string; p: ChallengePurpose; b: string; e: number }

// A page may start two ceremonies (the autofill request and the button); the
// cookie keeps the last few, and the response names the one it answers.
const KEEP = 4;

type ReplayModel = { unique(iss: string, jti: string, exp: number): Promise<boolean> };

function cookieOptions(provider: Provider) {
  const secure = new URL(provider.issuer).protocol === 'https:';
  return { signed: true, httpOnly: true, sameSite: 'strict' as const, secure, path: '/', overwrite: true };
}

const now = () => Math.floor(Date.now() / 1000);

function isStored(value: unknown): value is StoredChallenge {
  const entry = value as Partial<StoredChallenge> | null;
  return typeof entry?.c === 'string' && typeof entry.p === 'string' && typeof entry.b === 'string' && typeof entry.e === 'number';
}

function readChallenges(ctx: Context): StoredChallenge[] {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  if (!raw) return [];
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(parsed) ? parsed.filter(isStored).filter((entry) => entry.e > now()) : [];
  } catch {
    return [];
  }
}

function writeChallenges(ctx: Context, provider: Provider, entries: StoredChallenge[]): void {
  const options = cookieOptions(provider);
  // The public URL is https even when TLS ends at a proxy (as in csrf.ts).
  if (options.secure) ctx.cookies.secure = true;
  if (entries.length === 0) {
    ctx.cookies.set(COOKIE, null, options);
    return;
  }
  ctx.cookies.set(COOKIE, Buffer.from(JSON.stringify(entries)).toString('base64url'), { ...options, maxAge: LIFETIME_SECONDS * 1000 });
}

/** Remembers the challenge of options just generated for `bindTo` (an account id or an interaction uid). */
export function rememberChallenge(ctx: Context, provider: Provider, purpose: ChallengePurpose, bindTo: string, challenge: string): void {
  const entries = [...readChallenges(ctx), { c: challenge, p: purpose, b: bindTo, e: now() + LIFETIME_SECONDS }];
  writeChallenges(ctx, provider, entries.slice(-KEEP));
}

/** The challenge a response signed (clientDataJSON.challenge, WebAuthn §5.8.1), or undefined. */
export function challengeOfResponse(response: { response?: { clientDataJSON?: unknown } }): string | undefined {
  const data = response.response?.clientDataJSON;
  if (typeof data !== 'string') return undefined;
  try {
    const challenge = (JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as { challenge?: unknown }).challenge;
    return typeof challenge === 'string' ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The challenge the response answers, if this browser was given it for this
 * purpose and binding, it has not expired and was never spent; spends it.
 */
export async function takeChallenge(ctx: Context, provider: Provider, purpose: ChallengePurpose, bindTo: string, presented: string | undefined): Promise<string | undefined> {
  const entries = readChallenges(ctx);
  const match = entries.find((entry) => entry.c === presented && entry.p === purpose && entry.b === bindTo);
  writeChallenges(ctx, provider, entries.filter((entry) => entry !== match));
  if (!match) return undefined;
  const replay = (provider as unknown as { ReplayDetection: ReplayModel }).ReplayDetection;
  return (await replay.unique('webauthn-challenge', match.c, match.e)) ? match.c : undefined;
}
