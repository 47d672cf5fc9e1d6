import type Provider from 'oidc-provider';
import type { Config } from '../config/load-config.js';
import type { DatabaseHandle } from '../db/create-db.js';
import type { RedisClient } from '../redis/redis-client.js';
import { isMigrationCurrent } from '../db/migrate.js';
import { createAdapterFactory } from '../../adapters/create-adapter.js';
import { startClientChangeListener } from '../../adapters/client-change-listener.js';
import { createDevicePollTracker } from '../../adapters/device-poll-tracker.js';
import { createAccountService, type AccountService } from '../accounts/account-service.js';
import { accountClaims } from '../accounts/account-claims.js';
import type { ClientDefinitionInput } from '../clients/client-definition.js';
import { clientSecretCodec } from '../clients/client-secret.js';
import { clientsConfig } from '../clients/clients.config.js';
import { syncClients, validateClientDefinitions } from '../clients/sync-clients.js';
import { claimsByScope, KNOWN_SCOPES } from '../scopes/scope-catalog.js';
import { resolveResourceServers, type ResourceServerDefinitionInput } from '../scopes/resource-server-definition.js';
import { resourceServersConfig } from '../scopes/resource-servers.config.js';
import { createApiRouter } from '../api/create-api-router.js';
import { createProviderReplayCache } from '../api/provider-replay-cache.js';
import { syncScopes } from '../scopes/sync-scopes.js';
import { createProvider } from '../oidc/create-provider.js';
import { createFindAccount } from '../oidc/find-account.js';
import { loadCookieKeys } from '../oidc/keys/load-cookie-keys.js';
import { loadSigningKeys } from '../oidc/keys/load-signing-keys.js';
import { createSecretBox } from '../oidc/keys/secret-box.js';
import { createInteractionRouter } from '../../interactions/create-interaction-router.js';
import { createProviderPages } from '../../interactions/create-provider-pages.js';
import { createAccountSelfService } from '../accounts/account-self-service.js';
import { createAccountAppsService } from '../clients/account-apps-service.js';
import { createClientService } from '../clients/client-service.js';
import { withClientAudit } from '../audit/audited-client-service.js';
import { accountConsoleClient } from '../oidc/account/account-console-client.js';
import { createConnectedAppsService } from '../oidc/account/connected-apps-service.js';
import { createHealthRoutes } from '../observability/health.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createMetricsRoute } from '../observability/metrics-route.js';
import { createRequestObserver } from '../observability/request-observer.js';
import { listenGrantMetrics } from '../oidc/listeners/count-grants.js';
import { createErrorMiddleware } from './error-middleware.js';
import { createAuditLog } from '../audit/audit-log.js';
import { createLoginThrottle } from '../accounts/login-throttle.js';
import { startCleanupInterval } from '../jobs/cleanup.js';
import { createRevocationAuditMiddleware, listenAuditEvents } from '../oidc/listeners/audit-events.js';
import { retiredKeyGraceSeconds } from '../oidc/keys/rotate-signing-keys.js';
import { createRateLimitMiddleware } from './rate-limit.js';
import { createStoreOutageMiddleware } from './store-outage.js';
import { requestId } from './request-id.js';
import { securityHeaders } from './security-headers.js';

export interface ServerAppDeps {
  config: Config;
  database: DatabaseHandle;
  redis: RedisClient | undefined;
  logger: Logger;
  /** Clients in code; clients.config.ts unless given. */
  clients?: ClientDefinitionInput[];
  /** APIs (RFC 8707 resource servers); resource-servers.config.ts unless given. */
  resourceServers?: ResourceServerDefinitionInput[];
}

export interface ServerApp {
  /** The Koa application (oidc-provider is itself a Koa app; our routes run before its own). */
  readonly provider: Provider;
  readonly accounts: AccountService;
  callback(): ReturnType<Provider['callback']>;
  /** Marks the app as draining so /readyz turns false. */
  beginShutdown(): void;
  /** Prometheus registry and counters (others increment e.g. rateLimitRejections). */
  readonly metrics: Metrics;
  /** Closes what the app opened beside the stores (the client change listener); call before closing the database. */
  close(): Promise<void>;
}

/** Assembles everything behind one HTTP callback; shared by main.ts and the tests. */
export async function createServerApp({ config, database, redis, logger, clients, resourceServers }: ServerAppDeps): Promise<ServerApp> {
  const { db } = database;
  const box = createSecretBox(config.keyEncryptionSecret);
  if (!box.enabled && config.env !== 'development' && config.env !== 'test') {
    logger.warn('KEY_ENCRYPTION_SECRET is not set: private signing keys are stored unencrypted');
  }
  await syncScopes(db);
  const [signingKeys, cookieKeys] = await Promise.all([
    loadSigningKeys(db, box, { retiredGraceSeconds: retiredKeyGraceSeconds(config) }),
    loadCookieKeys(db, box, config.cookieKeys),
  ]);
  const accounts = createAccountService({ db, bcryptCost: config.bcryptCost });
  // Pages: BRAND_* variables brand every page, ours and the provider-rendered ones.
  const branding = { productName: config.branding.name, color: config.branding.color, logoUrl: config.branding.logoUrl };
  const pages = createProviderPages({ branding });
  const apis = resolveResourceServers(resourceServers ?? resourceServersConfig, config.issuer, KNOWN_SCOPES);
  // The catalog plus whatever the APIs in use declare, so an API passed in
  // (rather than read from resource-servers.config.ts) has its scopes known too.
  const scopes = [...new Set([...KNOWN_SCOPES, ...apis.flatMap((api) => api.scopes)])];
  const definitions = validateClientDefinitions(clients ?? clientsConfig, scopes, config.secretFromEnv);
  // Pages: the account area's own sign-in client is a client in code too (see oidc/account/).
  const synced = await syncClients(db, [...definitions, accountConsoleClient(config.issuer, config.branding.name)]);
  const audit = createAuditLog({ db, logger });
  if (synced.disabled > 0) await audit.record({ event: 'client.disabled', details: { source: 'code', count: synced.disabled } });
  const metrics = createMetrics({ poolStats: () => database.poolStats() });
  // Performance: client rows are cached between requests while a LISTEN
  // connection evicts every committed change (adapters/client-change-listener.ts).
  // Not on the embedded database, where a lookup has no network round trip.
  const clientChanges = config.database.url
    ? startClientChangeListener({
      connectionString: config.database.url,
      schema: config.database.schema,
      onError: (error) => logger.warn({ err: error.message }, 'client change listener lost its connection; client lookups read the database until it is back'),
    })
    : undefined;
  const adapter = createAdapterFactory({
    db, redis, keyPrefix: config.redis.keyPrefix, secrets: clientSecretCodec, clientCache: clientChanges?.cache,
    observe: (timing, seconds) => metrics.adapterDuration.observe(timing, seconds),
  });
  const { provider, middleware } = createProvider({
    config,
    adapter,
    findAccount: createFindAccount(async (id) => {
      const user = await accounts.findActiveUser(id);
      return user ? accountClaims(user) : undefined;
    }),
    pages,
    signingKeys,
    cookieKeys,
    scopes,
    resourceServers: apis,
    claims: claimsByScope(),
    devicePollTracker: createDevicePollTracker(redis ? { redis, keyPrefix: config.redis.keyPrefix } : { db }),
    implicitResponseTypes: definitions.some(({ definition }) => definition.allowImplicit),
    logger,
  });

  listenGrantMetrics(provider, metrics);
  listenAuditEvents(provider, audit);
  const stopCleanup = config.cleanupIntervalSeconds > 0 ? startCleanupInterval(db, config.cleanupIntervalSeconds, logger) : () => {};
  let shuttingDown = false;
  const readiness = [
    { name: 'database', check: async () => isMigrationCurrent(db, config.database.schema) },
    ...(redis ? [{ name: 'redis', check: async () => (await redis.ping()) === 'PONG' }] : []),
  ];
  const interactions = createInteractionRouter({
    provider, accounts, throttle: createLoginThrottle(config, redis), audit, metrics,
    branding,
    csrfKey: cookieKeys[0]!,
    self: createAccountSelfService({ db, bcryptCost: config.bcryptCost }),
    // Apps people register from the account pages are audited like the CLI's.
    apps: createAccountAppsService({ db, supportedScopes: scopes, clients: withClientAudit(createClientService({ db, supportedScopes: scopes }), audit) }),
    connected: createConnectedAppsService({ db, provider }),
  });

  // Middleware order: identify the request, catch errors, set headers, then
  // our routes; whatever they do not answer falls through to oidc-provider.
  provider.use(requestId());
  provider.use(createRequestObserver(logger, metrics));
  provider.use(createErrorMiddleware(logger));
  provider.use(createStoreOutageMiddleware(provider));
  provider.use(securityHeaders());
  provider.use(createHealthRoutes(readiness, () => shuttingDown));
  provider.use(createRateLimitMiddleware(config, redis, (limiter) => metrics.rateLimitRejections.inc({ limiter })));
  provider.use(createRevocationAuditMiddleware(audit));
  // Without METRICS_TOKEN, /metrics is not on the public port (see METRICS_PORT in main.ts).
  if (config.operations.metricsToken) provider.use(createMetricsRoute(metrics.registry, config.operations.metricsToken));
  for (const layer of middleware) provider.use(layer);
  // The example API (src/api/), when declared as a resource server at ${ISSUER}/api.
  const exampleApi = apis.find((api) => api.identifier === URL.parse(`${config.issuer}/api`)?.href);
  if (exampleApi) {
    const api = createApiRouter({
      issuer: config.issuer,
      audience: exampleApi.identifier,
      signingKeys,
      accounts,
      dpopReplay: createProviderReplayCache(provider, exampleApi.identifier),
    });
    provider.use(api.routes());
  }
  provider.use(interactions.routes());
  provider.use(interactions.allowedMethods());

  return {
    provider,
    accounts,
    callback: () => provider.callback(),
    beginShutdown: () => { shuttingDown = true; stopCleanup(); },
    metrics,
    close: async () => { await clientChanges?.close(); },
  };
}
