import type { Context, Middleware } from 'koa';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

// Paths answered outside any router; every other request is labelled by a
// route name or pattern so that ids never become label values.
const FIXED_ROUTES = new Set(['/', '/healthz', '/readyz', '/metrics']);

interface OidcContextView {
  route?: string;
  client?: { clientId?: string };
}

function oidcOf(ctx: Context): OidcContextView | undefined {
  return (ctx as Context & { oidc?: OidcContextView }).oidc;
}

/** oidc-provider's route name (ctx.oidc.route), else the matched router pattern, else a fixed path. */
function routeOf(ctx: Context): string {
  const named = oidcOf(ctx)?.route;
  if (typeof named === 'string' && named) return named;
  const pattern = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  if (typeof pattern === 'string' && pattern) return pattern;
  return FIXED_ROUTES.has(ctx.path) ? ctx.path : 'unmatched';
}

/** The request's child logger (carries requestId), or the fallback outside a request. */
export function requestLogger(ctx: Context | undefined, fallback: Logger): Logger {
  const candidate: unknown = ctx?.state?.logger;
  return candidate && typeof (candidate as Logger).child === 'function' ? candidate as Logger : fallback;
}

/**
 * One JSON log line and one metrics observation per request. Mounted right
 * after requestId(), so every later log line of the request can use
 * ctx.state.logger and carry the same requestId. Only method, route pattern,
 * status, duration and client_id are logged: never query strings (/auth
 * carries state, PKCE challenges, login_hint) nor bodies (/token carries
 * codes, secrets and refresh tokens).
 */
export function createRequestObserver(logger: Logger, metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const log = logger.child({ requestId: ctx.state.requestId as string | undefined });
    ctx.state.logger = log;
    let failed = false;
    try {
      await next();
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = failed ? 500 : ctx.status;
      const route = routeOf(ctx);
      const labels = { method: ctx.method, route, status: String(status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      const clientId = oidcOf(ctx)?.client?.clientId;
      log[status >= 500 ? 'error' : 'info']({
        method: ctx.method,
        route,
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        ip: ctx.ip,
        ...(clientId ? { clientId } : {}),
      }, 'request');
    }
  };
}
