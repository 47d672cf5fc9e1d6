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
 * ctx.state with the request's child logger made on first use: pino's
 * child() serialises its bindings, which most requests (logging at warn, or
 * answered without a log line of their own) never need. A class, so the
 * getter sits on the prototype and template locals copied from ctx.state
 * (interactions/render-page.ts) do not carry the logger.
 */
class RequestState {
  [key: string]: unknown;
  #logger: Logger | undefined;
  readonly #base: Logger;

  constructor(base: Logger, initial: object) {
    this.#base = base;
    Object.assign(this, initial);
  }

  get logger(): Logger {
    this.#logger ??= this.#base.child({ requestId: this.requestId as string | undefined });
    return this.#logger;
  }

  set logger(value: Logger) {
    this.#logger = value;
  }
}

type Observe = (seconds: number) => void;

/**
 * The counter and histogram of one (method, route, status), bound once:
 * prom-client otherwise sorts and hashes the label object on every call.
 * Bounded by route names and statuses; past the bound, unbound calls.
 */
function createRequestMetrics(metrics: Metrics): (method: string, route: string, status: number) => Observe {
  const bound = new Map<string, Observe>();
  return (method, route, status) => {
    const key = `${method} ${route} ${status}`;
    let observe = bound.get(key);
    if (!observe) {
      const labels = { method, route, status: String(status) };
      const counter = metrics.httpRequests.labels(labels);
      const histogram = metrics.httpDuration.labels(labels);
      observe = (seconds) => { counter.inc(); histogram.observe(seconds); };
      if (bound.size < 5_000) bound.set(key, observe);
    }
    return observe;
  };
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
  const observerFor = createRequestMetrics(metrics);
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const state = new RequestState(logger, ctx.state);
    ctx.state = state;
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
      observerFor(ctx.method, route, status)(seconds);
      const level = status >= 500 ? 'error' : 'info';
      if (logger.isLevelEnabled(level)) {
        const clientId = oidcOf(ctx)?.client?.clientId;
        state.logger[level]({
          method: ctx.method,
          route,
          status,
          durationMs: Math.round(seconds * 1e4) / 10,
          ip: ctx.ip,
          ...(clientId ? { clientId } : {}),
        }, 'request');
      }
    }
  };
}
