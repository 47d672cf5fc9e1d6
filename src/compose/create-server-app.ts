import type Provider from 'oidc-provider';
import type { AccountService } from '../accounts/account-service.js';
import { createAuditLog } from '../audit/audit-log.js';
import type { ClientDefinitionInput } from '../clients/client-definition.js';
import type { Config } from '../config/load-config.js';
import type { DatabaseHandle } from '../db/create-db.js';
import { isMigrationCurrent } from '../db/migrate.js';
import { createApp } from '../http/create-app.js';
import { createResponseRewriters } from '../http/response-rewriters.js';
import type { ReadinessCheck } from '../observability/health.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createMetricsRoute } from '../observability/metrics-route.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { ResourceServerDefinitionInput } from '../scopes/resource-server-definition.js';
import { defaultProductName, type Branding } from '../../interactions/branding.js';
import { createSitePages } from '../../interactions/create-site-pages.js';
import type { RowCaches } from './background.js';
import { loadBootData } from './boot-data.js';
import { composeProvider } from './compose-provider.js';
import { composeRouters } from './routers.js';
import { createServices } from './services.js';

export interface ServerAppDeps {
  config: Config;
  database: DatabaseHandle;
  redis: RedisClient | undefined;
  logger: Logger;
  /** Row caches kept honest by the LISTEN connection main.ts opens (background.ts); none: every lookup reads the database. */
  caches?: RowCaches;
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
  /** Ends what the services hold open (the SMTP transport); the stores are the opener's to close. */
  close(): Promise<void>;
}

/** BRAND_* brand every page, ours and the provider-rendered ones; without BRAND_NAME the issuer's host names them. */
function brandingOf(config: Config): Branding {
  return { productName: config.branding.name ?? defaultProductName(config.issuer), color: config.branding.color, logoUrl: config.branding.logoUrl };
}

function readinessOf(config: Config, database: DatabaseHandle, redis: RedisClient | undefined): ReadinessCheck[] {
  return [
    { name: 'database', check: async () => isMigrationCurrent(database.db, config.database.schema) },
    ...(redis ? [{ name: 'redis', check: async () => (await redis.ping()) === 'PONG' }] : []),
  ];
}

/**
 * The composition root: boot data (scopes, clients, keys), the services, the
 * provider, our routes, then the app's middleware order (http/create-app.ts).
 * Shared by main.ts and the tests; it opens nothing that outlives it but the
 * SMTP transport (closed by close()).
 */
export async function createServerApp(deps: ServerAppDeps): Promise<ServerApp> {
  const { config, database, redis, logger } = deps;
  const audit = createAuditLog({ db: database.db, logger });
  const boot = await loadBootData({ config, db: database.db, logger, audit, clients: deps.clients, resourceServers: deps.resourceServers });
  const services = createServices({ config, database, redis, logger, audit, boot });
  const branding = brandingOf(config);
  const { provider, ...protocol } = composeProvider({ config, database, redis, logger, audit, boot, services, branding, caches: deps.caches ?? {} });
  const site = createSitePages({ issuer: config.issuer, branding, showNextSteps: config.env !== 'production' });
  const { metrics } = services;
  let shuttingDown = false;
  createApp(provider, {
    logger,
    rewriters: createResponseRewriters({ config, provider, redis, logger, metrics, audit, ...protocol }),
    errorPage: site.error,
    readiness: readinessOf(config, database, redis),
    isShuttingDown: () => shuttingDown,
    metricsRoute: config.operations.metricsToken ? createMetricsRoute(metrics.registry, config.operations.metricsToken) : undefined,
    routers: composeRouters({ config, database, provider, audit, boot, services, branding, site }),
  });
  return {
    provider,
    accounts: services.accounts,
    metrics,
    callback: () => provider.callback(),
    beginShutdown: () => { shuttingDown = true; },
    close: async () => { services.close(); },
  };
}
