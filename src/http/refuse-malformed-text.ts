import type { Middleware } from 'koa';
import { errors } from 'oidc-provider';
import { isStorableText } from '../db/storable-text.js';

const PLAIN_ASCII = /^[\x20-\x7E]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * True when the raw (still percent-encoded) text decodes to well-formed UTF-8
 * without a forbidden control character. Malformed escapes such as `%ZZ` are
 * left to the parsers, which keep them as literal text.
 */
export function isAcceptableText(raw: string): boolean {
  if (PLAIN_ASCII.test(raw) && !raw.includes('%')) return true;
  const bytes = Buffer.from(raw.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), 'latin1');
  try {
    return isStorableText(utf8.decode(bytes));
  } catch {
    return false;
  }
}

const DESCRIPTION = 'the request contains characters that are not allowed (NUL, control characters or invalid UTF-8)';

/**
 * Refuses, before any route runs, a path or query string holding NUL, control
 * characters or invalid UTF-8 (issue 16 item 7): such text would otherwise
 * reach Postgres, which refuses it with a 500, or be echoed into pages and
 * redirects. The answer is RFC 6749 §5.2 `invalid_request`, from the one
 * error responder (the error page for a browser). Bodies are checked where
 * they are parsed (oidc-provider reads its own, lib/shared/selective_body.js),
 * and values that reach the database are checked there.
 */
export function refuseMalformedText(): Middleware {
  return async (ctx, next) => {
    if (isAcceptableText(ctx.path) && isAcceptableText(ctx.querystring)) return next();
    throw new errors.InvalidRequest(DESCRIPTION);
  };
}
