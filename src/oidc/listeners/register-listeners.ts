import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { requestLogger } from '../../observability/request-observer.js';
import { createAuditEvents, type AuditListenerOptions } from './audit-events.js';
import { createGrantMetrics } from './count-grants.js';
import { createReplayRevocation, replayOf } from './replay.js';

export interface ProviderListenerDeps {
  logger: Logger;
  audit: AuditLog;
  metrics: Pick<Metrics, 'tokensIssued' | 'refreshTokenReuse'>;
  auditOptions?: AuditListenerOptions;
  /** DEVICE_POLL_INTERVAL: the seconds a device waits between polls (RFC 8628 §3.2 `interval`). */
  devicePollInterval: number;
}

export interface ProviderListeners {
  /** Holds a replay's invalid_grant answer until its grant is revoked (replay.ts); mounted on the token endpoint. */
  holdReplayAnswers: Middleware;
}

type RegistrationEvent = 'registration_create.success' | 'registration_update.success' | 'registration_delete.success';
// Not in @types/oidc-provider's event map, but emitted (oidc-provider docs/events.md).
type RegistrationEmitter = { on(name: RegistrationEvent, listener: (ctx: KoaContextWithOIDC, client: { clientId: string }) => void): void };

/**
 * Every `provider.on` of the server, in one place (event names: oidc-provider
 * docs/events.md). Listeners are synchronous; what they start (an audit
 * write, a revocation) runs beside the response.
 */
export function registerProviderListeners(provider: Provider, deps: ProviderListenerDeps): ProviderListeners {
  const { logger } = deps;
  const audit = createAuditEvents(deps.audit, deps.auditOptions);
  const counts = createGrantMetrics(deps.metrics);
  const replays = createReplayRevocation(provider, (err) => logger.error({ err }, 'revoking a replayed grant failed'));

  provider.on('grant.success', (ctx) => {
    counts.grantSuccess(ctx);
    audit.grantSuccess(ctx);
  });
  // One replay handler: revoke (replay.ts), count, audit.
  provider.on('grant.error', (ctx, error) => {
    const replay = replayOf(ctx, error);
    if (!replay) return;
    replays.revoke(ctx, replay);
    counts.replay(replay);
    audit.replay(ctx, replay);
  });
  provider.on('grant.revoked', (ctx, grantId) => audit.grantRevoked(ctx, grantId));
  provider.on('end_session.success', (ctx) => audit.endSession(ctx));
  const registrations = provider as unknown as RegistrationEmitter;
  registrations.on('registration_create.success', (ctx, client) => audit.registration('client.created', ctx, client.clientId));
  registrations.on('registration_update.success', (ctx, client) => audit.registration('client.changed', ctx, client.clientId));
  registrations.on('registration_delete.success', (ctx, client) => audit.registration('client.deleted', ctx, client.clientId));

  // RFC 8628 §3.2: oidc-provider does not advertise a polling interval. The
  // event hands listeners the response body before it is sent
  // (lib/actions/authorization/device.js), so the interval is added here.
  provider.on('device_authorization.success', (_ctx, response) => {
    (response as Record<string, unknown>).interval = deps.devicePollInterval;
  });

  // oidc-provider catches its own route errors and answers 500 after this
  // event; the error is kept on the request so http/store-outage.ts can tell
  // an unreachable store (503) from a bug. The request's child logger
  // (observability/request-observer.ts) carries its requestId.
  provider.on('server_error', (ctx, err) => {
    ctx.state.providerError = err;
    requestLogger(ctx, logger).error({ err }, 'oidc-provider server_error');
  });
  // Back-Channel Logout §2.8: the OP does not retry; an unreachable relying party is the operator's to see.
  provider.on('backchannel.error', (ctx, err, client) => requestLogger(ctx, logger).warn({ err: err.message, clientId: client.clientId }, 'back-channel logout delivery failed'));

  return { holdReplayAnswers: replays.hold };
}
