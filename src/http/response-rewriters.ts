import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { DevicePollTracker } from '../../adapters/adapter-types.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ClientSecretVerifier } from '../clients/client-secret.js';
import type { Config } from '../config/load-config.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createRequestObserver } from '../observability/request-observer.js';
import { createUnauthorizedGrantMiddleware } from '../oidc/client-auth/unauthorized-grant-middleware.js';
import { createDevicePollMiddleware } from '../oidc/device-flow/device-poll-middleware.js';
import { createUnsavedSessionGuard } from '../oidc/device-flow/unsaved-session-guard.js';
import { createRevocationAuditMiddleware } from '../oidc/listeners/revocation-audit.js';
import { createRegistrationErrorCodes } from '../oidc/registration/registration-error-codes.js';
import { createRegistrationSecretMiddleware } from '../oidc/registration/registration-secret-middleware.js';
import type { RedisClient } from '../redis/redis-client.js';
import { createRateLimitMiddleware } from './rate-limit.js';
import { createStoreOutageMiddleware } from './store-outage.js';

/**
 * Every middleware that reads or rewrites an answer after the route below it
 * produced it, in one list (DESIGN.md 5a). Each exists because oidc-provider
 * offers no option, event or hook for the same effect; where one exists it
 * is used instead (e.g. `device_authorization.success` hands listeners the
 * response body, so the RFC 8628 `interval` is added there, in
 * oidc/listeners/register-listeners.ts). create-app.ts places them.
 *
 * Around every request (create-app.ts):
 * - observer — the request log line and metrics, from the final status:
 *   oidc-provider has no per-request completion event, and our routes need
 *   the same line.
 * - the error responder and the 404 fallback (error-middleware.ts,
 *   not-found.ts) — not rewriters but the one place an error or an empty
 *   answer becomes JSON or the error page.
 * - storeOutage — a 500 oidc-provider rendered after a store error becomes
 *   503 + Retry-After: it catches its route errors and offers no option to
 *   choose the status (renderError only renders the HTML body).
 * - rateLimit — counts failed client authentications from the finished
 *   answer (401 invalid_client) and awaits the store write before the
 *   answer leaves, so the next request already sees a block; oidc-provider's
 *   `*.error` events are synchronous and cannot hold the answer.
 * - revocationAudit (revocation endpoint) — writes token.revoked for a token
 *   actually found (RFC 7009 answers 200 either way; no event carries it)
 *   and sends the 200 without a text/plain type (RFC 7009 §2.2).
 *
 * On the protocol endpoints that need them (`protocol`, in this order):
 * - holdReplayAnswers — holds a replay's invalid_grant until the grant is
 *   revoked (oidc/listeners/replay.ts): an event listener cannot delay it.
 * - registrationSecret — RFC 7592 reads and updates with hashed secrets: the
 *   hash never leaves, a presented client_secret is checked against it.
 * - registrationErrorCodes — RFC 7591 §3.2.2 invalid_client_metadata for a
 *   body that is not a JSON object, where oidc-provider says invalid_request.
 * - unauthorizedGrant — RFC 6749 §5.2 unauthorized_client where
 *   oidc-provider says invalid_request for a grant type the client may not use.
 * - devicePoll — RFC 8628 §3.5 slow_down: needs the poll state in the store
 *   before answering; oidc-provider keeps none.
 * - unsavedSessionGuard — keeps an oidc-provider 9 bug on the device pages
 *   (a session persisted after its answer) from turning a 4xx into a 500.
 */
export interface ResponseRewriterDeps {
  config: Config;
  provider: Provider;
  redis: RedisClient | undefined;
  logger: Logger;
  metrics: Metrics;
  audit: AuditLog;
  secretVerifier: ClientSecretVerifier;
  devicePollTracker: DevicePollTracker;
  holdReplayAnswers: Middleware;
}

export interface ResponseRewriters {
  observer: Middleware;
  storeOutage: Middleware;
  rateLimit: Middleware;
  revocationAudit: Middleware;
  protocol: Middleware[];
}

export function createResponseRewriters(deps: ResponseRewriterDeps): ResponseRewriters {
  const { config, metrics } = deps;
  return {
    observer: createRequestObserver(deps.logger, metrics),
    storeOutage: createStoreOutageMiddleware(),
    rateLimit: createRateLimitMiddleware(config, deps.redis, (limiter) => metrics.rateLimitRejections.inc({ limiter })),
    revocationAudit: createRevocationAuditMiddleware(deps.audit),
    protocol: [
      deps.holdReplayAnswers,
      createRegistrationSecretMiddleware(deps.provider, deps.secretVerifier),
      createRegistrationErrorCodes(),
      createUnauthorizedGrantMiddleware(),
      createDevicePollMiddleware(deps.devicePollTracker, { interval: config.devicePollInterval, ttl: config.ttl.deviceCode }),
      createUnsavedSessionGuard(),
    ],
  };
}
