import type { Middleware } from 'koa';
import { AppError } from './app-error.js';

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

/**
 * While Postgres or Redis is unreachable: 503 `temporarily_unavailable` with
 * Retry-After (RFC 9110 §15.6.4) instead of 500 `server_error`.
 */
export function storeUnavailable(): AppError {
  return new AppError(503, 'temporarily_unavailable', 'The service is temporarily unavailable. Try again in a few seconds.', {
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    page: { heading: 'Temporarily unavailable', advice: 'The service cannot reach its storage right now. Try again in a few seconds.' },
  });
}

/**
 * A store outage inside oidc-provider's own routes: it catches the error,
 * emits `server_error` (oidc/listeners/register-listeners.ts keeps it on
 * ctx.state.providerError) and renders a 500 itself, with no option to choose
 * another status. That finished 500 is turned into the 503 here; an outage
 * thrown by our own routes reaches the error responder directly.
 */
export function createStoreOutageMiddleware(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.status === 500 && isStoreOutage(ctx.state.providerError)) throw storeUnavailable();
  };
}
