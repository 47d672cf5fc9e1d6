import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/load-config.js';
import type { DatabaseHandle } from '../db/create-db.js';
import type { RedisClient } from '../redis/redis-client.js';
import { isMigrationCurrent } from '../db/migrate.js';
import { createAdapterFactory } from '../../adapters/create-adapter.js';
import { ACCOUNT_CHANGE_CHANNEL, startClientChangeListener } from '../../adapters/client-change-listener.js';
import { RowCache } from '../../adapters/row-cache.js';
import { cachedClaimsLoader, type AccountClaimsCache } from '../oidc/cached-account-claims.js';
import { createDevicePollTracker } from '../../adapters/device-poll-tracker.js';
import { createAccountService, type AccountService } from '../accounts/account-service.js';
import { accountClaims } from '../accounts/account-claims.js';
import type { ClientDefinitionInput } from '../clients/client-definition.js';
import { clientSecretCodec } from '../clients/client-secret.js';
import { clientsConfig } from '../clients/clients.config.js';
import { findPkceOptionalClients, syncClients, validateClientDefinitions } from '../clients/sync-clients.js';
import { claimsByScope, KNOWN_SCOPES } from '../scopes/scope-catalog.js';
import { resolveResourceServers, type ResourceServerDefinitionInput } from '../scopes/resource-server-definition.js';
import { resourceServersConfig } from '../scopes/resource-servers.config.js';
import { createApiRouter } from '../api/create-api-router.js';
import { createProviderReplayCache } from '../api/provider-replay-cache.js';
import { syncScopes } from '../scopes/sync-scopes.js';
import { createProvider } from '../oidc/create-provider.js';
import { isOperatorLogoutTarget } from '../oidc/back-channel-logout/logout-target-repository.js';
import { createFindAccount } from '../oidc/find-account.js';
import { loadCookieKeys } from '../oidc/keys/load-cookie-keys.js';
import { loadSigningKeys } from '../oidc/keys/load-signing-keys.js';
import { createSecretBox } from '../oidc/keys/secret-box.js';
import { createInteractionRouter } from '../../interactions/create-interaction-router.js';
import { createProviderPages } from '../../interactions/create-provider-pages.js';
import { createSitePages } from '../../interactions/create-site-pages.js';
import { defaultProductName } from '../../interactions/branding.js';
import { createAccountSelfService } from '../accounts/account-self-service.js';
import { createAccountAppsService } from '../clients/account-apps-service.js';
import { createClientService } from '../clients/client-service.js';
import { accountConsoleClient } from '../oidc/account/account-console-client.js';
import { createConnectedAppsService } from '../oidc/account/connected-apps-service.js';
import { createOperatorServices } from './create-operator-services.js';
import { createHealthRoutes } from '../observability/health.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createMetricsRoute } from '../observability/metrics-route.js';
import { createRequestObserver } from '../observability/request-observer.js';
import { listenGrantMetrics } from '../oidc/listeners/count-grants.js';
import { createErrorMiddleware } from './error-middleware.js';
import { createNotFoundFallback } from './not-found.js';
import { createAuditLog } from '../audit/audit-log.js';
import { createLoginThrottle } from '../accounts/login-throttle.js';
import { createLifecycleFromConfig } from '../accounts/lifecycle/lifecycle-from-config.js';
import { createSecondFactors } from '../accounts/factors/second-factors.js';
import { createSecondFactorThrottle } from '../accounts/factors/second-factor-throttle.js';
import { relyingPartyOf } from '../accounts/factors/relying-party.js';
import { startCleanupInterval } from '../jobs/cleanup.js';
import { createRevocationAuditMiddleware, listenAuditEvents } from '../oidc/listeners/audit-events.js';
import { retiredKeyGraceSeconds } from '../oidc/keys/rotate-signing-keys.js';
import { createRateLimitMiddleware } from './rate-limit.js';
import { createStoreOutageMiddleware } from './store-outage.js';
import { refuseMalformedText } from './refuse-malformed-text.js';
import { hotPathsOf, onlyOn, skipOn, type AnyMiddleware } from './hot-path.js';
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
  // Strong authentication: the passkeys' relying party is the issuer's host;
  // TOTP secrets are sealed with KEY_ENCRYPTION_SECRET like the signing keys.
  const serviceName = config.branding.name ?? new URL(config.issuer).host;
  const factors = createSecondFactors({
    db, box, relyingParty: relyingPartyOf(config.issuer, serviceName), totpIssuer: serviceName, requiredRoles: config.mfa.requiredRoles,
  });
  // Pages: BRAND_* variables brand every page, ours and the provider-rendered ones.
  // Without BRAND_NAME, the issuer's host names the pages (interactions/branding.ts).
  const branding = { productName: config.branding.name ?? defaultProductName(config.issuer), color: config.branding.color, logoUrl: config.branding.logoUrl };
  const pages = createProviderPages({ branding });
  const site = createSitePages({ issuer: config.issuer, branding, showNextSteps: config.env !== 'production' });
  const apis = resolveResourceServers(resourceServers ?? resourceServersConfig, config.issuer, KNOWN_SCOPES);
  // The catalog plus whatever the APIs in use declare, so an API passed in
  // (rather than read from resource-servers.config.ts) has its scopes known too.
  const scopes = [...new Set([...KNOWN_SCOPES, ...apis.flatMap((api) => api.scopes)])];
  // REDIRECT_URI_LOCALHOST applies to clients in code and made on the account pages as at registration.
  const redirectRules = { localhost: config.protocol.redirectUriLocalhost };
  const definitions = validateClientDefinitions(clients ?? clientsConfig, scopes, config.secretFromEnv, redirectRules);
  // Pages: the account area's own sign-in client is a client in code too (see oidc/account/).
  const synced = await syncClients(db, [...definitions, accountConsoleClient(config.issuer, config.branding.name)]);
  const audit = createAuditLog({ db, logger });
  if (synced.disabled > 0) await audit.record({ event: 'client.disabled', details: { source: 'code', count: synced.disabled } });
  for (const { clientId, source } of await findPkceOptionalClients(db)) {
    logger.warn({ clientId, source }, 'PKCE is optional for this client (pkce: optional): its authorization codes are not bound to a code_verifier (RFC 9700 §2.1.1)');
  }
  const metrics = createMetrics({ poolStats: () => database.poolStats() });
  // Performance: client rows and active accounts' claims are cached between
  // requests while a LISTEN connection evicts every committed change
  // (adapters/client-change-listener.ts). Not on the embedded database, where
  // a lookup has no network round trip.
  const accountCache: AccountClaimsCache | undefined = config.database.url ? new RowCache() : undefined;
  const clientChanges = config.database.url
    ? startClientChangeListener({
      connectionString: config.database.url,
      schema: config.database.schema,
      more: accountCache ? [{ channel: ACCOUNT_CHANGE_CHANNEL, cache: accountCache }] : [],
      onError: (error) => logger.warn({ err: error.message }, 'client change listener lost its connection; client lookups read the database until it is back'),
    })
    : undefined;
  const adapter = createAdapterFactory({
    db, redis, keyPrefix: config.redis.keyPrefix, secrets: clientSecretCodec, clientCache: clientChanges?.cache,
    observe: (timing, seconds) => metrics.observeAdapter(timing, seconds),
  });
  const { provider, middleware } = createProvider({
    config,
    adapter,
    findAccount: createFindAccount(cachedClaimsLoader(async (id) => {
      const user = await accounts.findActiveUser(id);
      return user ? accountClaims(user) : undefined;
    }, accountCache)),
    pages,
    signingKeys,
    cookieKeys,
    scopes,
    resourceServers: apis,
    claims: claimsByScope(),
    devicePollTracker: createDevicePollTracker(redis ? { redis, keyPrefix: config.redis.keyPrefix } : { db }),
    implicitResponseTypes: definitions.some(({ definition }) => definition.allowImplicit),
    isOperatorLogoutTarget: (uri) => isOperatorLogoutTarget(db, uri),
    logger,
    secondFactor: { policyFor: (accountId) => factors.policyFor(accountId) },
  });

  listenGrantMetrics(provider, metrics);
  listenAuditEvents(provider, audit, { clientCredentialsIssuance: config.audit.tokenIssuance });
  const stopCleanup = config.cleanupIntervalSeconds > 0 ? startCleanupInterval(db, config.cleanupIntervalSeconds, logger, { auditRetentionDays: config.audit.retentionDays }) : () => {};
  let shuttingDown = false;
  const readiness = [
    { name: 'database', check: async () => isMigrationCurrent(db, config.database.schema) },
    ...(redis ? [{ name: 'redis', check: async () => (await redis.ping()) === 'PONG' }] : []),
  ];
  // Account mails (reset, verification, invitations) and sign-up; a failed delivery is logged and counted, never shown.
  const accountMail = createLifecycleFromConfig(config, { db, accounts, redis, logger, audit, onMailFailure: (kind) => metrics.mailFailures.inc({ kind }) });
  const interactions = createInteractionRouter({
    provider, accounts, throttle: createLoginThrottle(config, redis), audit, metrics,
    factors, factorThrottle: createSecondFactorThrottle(config, redis),
    branding,
    csrfKey: cookieKeys[0]!,
    self: createAccountSelfService({ db, bcryptCost: config.bcryptCost }),
    // Changes made on the account pages are audited by the pages themselves, with the person as actor (interactions/account/).
    apps: createAccountAppsService({ db, supportedScopes: scopes, clients: createClientService({ db, supportedScopes: scopes, redirectRules }) }),
    connected: createConnectedAppsService({ db, provider }),
    lifecycle: accountMail.lifecycle,
    // The operator console (interactions/admin/): the CLI's services, audited per request with the operator as actor.
    admin: createOperatorServices({
      db, config, provider, accounts, audit, box, factors, signingKeys, clients: createClientService({ db, supportedScopes: scopes, redirectRules }),
      lifecycle: accountMail.lifecycle,
    }),
  });

  // Middleware order: identify the request, catch errors, set headers, then
  // our routes; whatever they do not answer falls through to oidc-provider.
  provider.use(requestId());
  provider.use(createRequestObserver(logger, metrics));
  provider.use(createErrorMiddleware(logger, site.error));
  // Whatever nothing below answers: the styled 404 (not-found.ts).
  provider.use(createNotFoundFallback());
  provider.use(createStoreOutageMiddleware(provider));
  provider.use(securityHeaders());
  // NUL, control characters or invalid UTF-8 in a path or query string: a 400 before any route (issue 16 item 7).
  provider.use(refuseMalformedText((ctx, out) => pages.error(ctx as unknown as KoaContextWithOIDC, out)));
  provider.use(createHealthRoutes(readiness, () => shuttingDown));
  provider.use(createRateLimitMiddleware(config, redis, (limiter) => metrics.rateLimitRejections.inc({ limiter })));
  // Hot path (http/hot-path.ts): each protocol endpoint runs only the layers that act on it.
  const hot = hotPathsOf(provider);
  provider.use(onlyOn(hot.revocation, createRevocationAuditMiddleware(audit)));
  // Without METRICS_TOKEN, /metrics is not on the public port (see METRICS_PORT in main.ts).
  if (config.operations.metricsToken) provider.use(createMetricsRoute(metrics.registry, config.operations.metricsToken));
  provider.use(skipOn(hot.withoutProviderHooks, middleware));
  const routers: AnyMiddleware[] = [];
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
    routers.push(api.routes());
  }
  provider.use(skipOn(hot.protocol, [...routers, site.startPage, interactions.routes(), interactions.allowedMethods()]));

  return {
    provider,
    accounts,
    callback: () => provider.callback(),
    beginShutdown: () => { shuttingDown = true; stopCleanup(); },
    metrics,
    close: async () => { await clientChanges?.close(); accountMail.close(); },
  };
}
