import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';

// Errors that mean "a store is unreachable", not "the code is wrong": socket
// errors, Postgres connection-class SQLSTATEs (08xxx) and administrator
// shutdowns (57P0x, e.g. pg_terminate_backend), ioredis giving up on a command.
const CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
const MESSAGES = /connection terminated|connection is closed|timeout exceeded when trying to connect|max retries per request|connection error|stream isn't writeable|client was closed|cannot use a pool after calling end/i;

export function isStoreOutage(err: unknown): boolean {
  for (let current = err, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const { code, name, message, cause } = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && CODES.has(code)) return true;
    if (name === 'MaxRetriesPerRequestError') return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    current = cause;
  }
  return false;
}

const RETRY_AFTER_SECONDS = 5;
const DESCRIPTION = 'The service is temporarily unavailable. Try again in a few seconds.';

function respondUnavailable(ctx: Context): void {
  ctx.status = 503;
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  ctx.set('Cache-Control', 'no-store');
  if (ctx.accepts('json', 'html') === 'html') {
    ctx.type = 'html';
    ctx.body = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable</title></head>'
      + `<body><h1>Temporarily unavailable</h1><p>${DESCRIPTION}</p></body></html>`;
  } else {
    ctx.body = { error: 'temporarily_unavailable', error_description: DESCRIPTION };
  }
}

/**
 * While Postgres or Redis is unreachable, answer 503 `temporarily_unavailable`
 * with Retry-After (RFC 9110 §15.6.4) instead of 500 `server_error`.
 * oidc-provider catches its own route errors and renders a 500 after emitting
 * `server_error`; that event marks the request so the 500 can be rewritten
 * here. Errors thrown by our own routes are caught directly.
 */
export function createStoreOutageMiddleware(provider: Provider): Middleware {
  provider.on('server_error', (ctx: Context, err: unknown) => {
    if (isStoreOutage(err)) ctx.state.storeOutage = true;
  });
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!isStoreOutage(err)) throw err;
      respondUnavailable(ctx);
      return;
    }
    if (ctx.status === 500 && ctx.state.storeOutage === true) respondUnavailable(ctx);
  };
}
