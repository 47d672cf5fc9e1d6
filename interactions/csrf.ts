import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { renderErrorPage, type PageRenderer } from './render-page.js';

/**
 * CSRF protection for every form post of our own pages (interactions and
 * account). Each browser gets a random, HttpOnly cookie; the token put in a
 * hidden `_csrf` field is an HMAC of it under a server key (a cookie signing
 * key), so a token cannot be forged from a cookie planted by a sibling domain,
 * nor read by another site. A post is accepted only when the field matches the
 * cookie, compared in constant time. SameSite=Lax on every cookie is the
 * second layer. (The provider's own forms — device input, logout — carry the
 * provider's `xsrf` field and are checked by the provider.)
 */
export const CSRF_COOKIE = 'op.csrf';
export const CSRF_FIELD = '_csrf';

export interface CsrfOptions {
  key: string;
  /** Secure cookies when the issuer is https (RFC 6265 §4.1.2.5). */
  secure: boolean;
}

export interface CsrfGuard {
  /** Makes sure the browser has a cookie and exposes ctx.state.csrfToken for the views. */
  issue: Middleware;
  /** Refuses a post whose `_csrf` field does not match (mount after the body parser). */
  verify: Middleware;
}

function tokenFor(key: string, cookie: string): string {
  return createHmac('sha256', key).update(`csrf:${cookie}`).digest('base64url');
}

/** Constant-time comparison of a secret we hold with one the browser sent back (also the account sign-in state). */
export function matchesSecret(expected: string | undefined, presented: unknown): boolean {
  if (!expected || typeof presented !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(ctx: Context): string | undefined {
  const value = ctx.cookies.get(CSRF_COOKIE);
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
}

export function createCsrfGuard({ key, secure }: CsrfOptions, render: PageRenderer): CsrfGuard {
  const issue: Middleware = async (ctx, next) => {
    let cookie = readCookie(ctx);
    if (!cookie) {
      cookie = randomBytes(32).toString('base64url');
      // The public URL is https even when TLS ends at a proxy; koa would refuse
      // a Secure cookie on what it sees as plain http without this.
      if (secure) ctx.cookies.secure = true;
      ctx.cookies.set(CSRF_COOKIE, cookie, { httpOnly: true, sameSite: 'lax', secure, path: '/', overwrite: true, signed: false });
    }
    ctx.state.csrfToken = tokenFor(key, cookie);
    await next();
  };

  const verify: Middleware = async (ctx, next) => {
    const cookie = readCookie(ctx);
    const presented = (ctx.request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    if (!cookie || !matchesSecret(tokenFor(key, cookie), presented)) {
      await renderErrorPage(ctx, render, {
        status: 403,
        heading: 'This form has expired',
        description: 'For your safety the form could not be accepted. Go back, reload the page and try again.',
        code: 'invalid_csrf_token',
      });
      return;
    }
    await next();
  };

  return { issue, verify };
}
