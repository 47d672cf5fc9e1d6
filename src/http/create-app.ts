import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { Logger } from '../observability/logger.js';
import { createHealthRoutes, type ReadinessCheck } from '../observability/health.js';
import { createErrorMiddleware, type ErrorPageRenderer } from './error-middleware.js';
import { hotPathsOf, onlyOn, skipOn, type AnyMiddleware } from './hot-path.js';
import { createNotFoundFallback } from './not-found.js';
import { refuseMalformedText } from './refuse-malformed-text.js';
import { requestId } from './request-id.js';
import type { ResponseRewriters } from './response-rewriters.js';
import { securityHeaders } from './security-headers.js';

export interface AppParts {
  logger: Logger;
  /** Every middleware that reads or rewrites a finished answer (response-rewriters.ts). */
  rewriters: ResponseRewriters;
  /** The styled error page, for the error responder (interactions/create-site-pages.ts). */
  errorPage: ErrorPageRenderer;
  readiness: ReadinessCheck[];
  isShuttingDown(): boolean;
  /** GET /metrics with METRICS_TOKEN (observability/metrics-route.ts); absent without one. */
  metricsRoute?: Middleware;
  /** Our routers (example API, start page, interactions and account pages), in order. */
  routers: AnyMiddleware[];
}

/**
 * The middleware order, and nothing else (the parts come from src/compose/).
 * oidc-provider is itself a Koa app: everything mounted here runs before its
 * own router, and whatever our routes do not answer falls through to it.
 * Identify the request, catch errors, set headers, refuse what no route may
 * see, then the routes; each protocol endpoint runs only the layers that act
 * on it (hot-path.ts).
 */
export function createApp(provider: Provider, parts: AppParts): void {
  const { rewriters } = parts;
  const hot = hotPathsOf(provider);
  provider.use(requestId());
  provider.use(rewriters.observer);
  provider.use(createErrorMiddleware(parts.logger, parts.errorPage));
  // Whatever nothing below answers: the styled 404 (not-found.ts).
  provider.use(createNotFoundFallback());
  provider.use(rewriters.storeOutage);
  provider.use(securityHeaders());
  // NUL, control characters or invalid UTF-8 in a path or query string: a 400 before any route (issue 16 item 7).
  provider.use(refuseMalformedText());
  provider.use(createHealthRoutes(parts.readiness, parts.isShuttingDown));
  provider.use(rewriters.rateLimit);
  provider.use(onlyOn(hot.revocation, rewriters.revocationAudit));
  // Without METRICS_TOKEN, /metrics is not on the public port (METRICS_PORT in main.ts).
  if (parts.metricsRoute) provider.use(parts.metricsRoute);
  provider.use(skipOn(hot.withoutProviderHooks, rewriters.protocol));
  provider.use(skipOn(hot.protocol, parts.routers));
}
