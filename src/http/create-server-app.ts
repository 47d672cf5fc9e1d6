import type { Redis } from 'ioredis';
import type Provider from 'oidc-provider';
import type { Config } from '../config/load-config.js';
import type { DatabaseHandle } from '../db/create-db.js';
import { isMigrationCurrent } from '../db/migrate.js';
import { createAdapterFactory } from '../../adapters/create-adapter.js';
import { createDevicePollTracker } from '../../adapters/device-poll-tracker.js';
import { createAccountService, type AccountService } from '../accounts/account-service.js';
import { accountClaims } from '../accounts/account-claims.js';
import type { ClientDefinitionInput } from '../clients/client-definition.js';
import { clientSecretCodec } from '../clients/client-secret.js';
import { clientsConfig } from '../clients/clients.config.js';
import { syncClients, validateClientDefinitions } from '../clients/sync-clients.js';
import { claimsByScope, OIDC_SCOPES } from '../scopes/scope-catalog.js';
import { syncScopes } from '../scopes/sync-scopes.js';
import { createProvider } from '../oidc/create-provider.js';
import { createFindAccount } from '../oidc/find-account.js';
import { loadCookieKeys } from '../oidc/keys/load-cookie-keys.js';
import { loadSigningKeys } from '../oidc/keys/load-signing-keys.js';
import { createSecretBox } from '../oidc/keys/secret-box.js';
import { createInteractionRouter } from '../../interactions/create-interaction-router.js';
import { createProviderPages } from '../../interactions/create-provider-pages.js';
import { createHealthRoutes } from '../observability/health.js';
import type { Logger } from '../observability/logger.js';
import { createErrorMiddleware } from './error-middleware.js';
import { requestId } from './request-id.js';
import { securityHeaders } from './security-headers.js';

export interface ServerAppDeps {
  config: Config;
  database: DatabaseHandle;
  redis: Redis | undefined;
  logger: Logger;
  /** Clients in code; clients.config.ts unless given. */
  clients?: ClientDefinitionInput[];
}

export interface ServerApp {
  /** The Koa application (oidc-provider is itself a Koa app; our routes run before its own). */
  readonly provider: Provider;
  readonly accounts: AccountService;
  callback(): ReturnType<Provider['callback']>;
  /** Marks the app as draining so /readyz turns false. */
  beginShutdown(): void;
}

/** Assembles everything behind one HTTP callback; shared by main.ts and the tests. */
export async function createServerApp({ config, database, redis, logger, clients }: ServerAppDeps): Promise<ServerApp> {
  const { db } = database;
  const box = createSecretBox(config.keyEncryptionSecret);
  if (!box.enabled && config.env !== 'development' && config.env !== 'test') {
    logger.warn('KEY_ENCRYPTION_SECRET is not set: private signing keys are stored unencrypted');
  }
  await syncScopes(db);
  const [signingKeys, cookieKeys] = await Promise.all([
    loadSigningKeys(db, box),
    loadCookieKeys(db, box, config.cookieKeys),
  ]);
  const accounts = createAccountService({ db, bcryptCost: config.bcryptCost });
  const pages = createProviderPages({});
  const definitions = validateClientDefinitions(clients ?? clientsConfig, OIDC_SCOPES, config.secretFromEnv);
  await syncClients(db, definitions);
  const { provider, middleware } = createProvider({
    config,
    adapter: createAdapterFactory({ db, redis, keyPrefix: config.redis.keyPrefix, secrets: clientSecretCodec }),
    findAccount: createFindAccount(async (id) => {
      const user = await accounts.findActiveUser(id);
      return user ? accountClaims(user) : undefined;
    }),
    pages,
    signingKeys,
    cookieKeys,
    scopes: [...OIDC_SCOPES],
    claims: claimsByScope(),
    devicePollTracker: createDevicePollTracker(redis ? { redis, keyPrefix: config.redis.keyPrefix } : { db }),
    implicitResponseTypes: definitions.some(({ definition }) => definition.allowImplicit),
    logger,
  });

  let shuttingDown = false;
  const readiness = [
    { name: 'database', check: async () => isMigrationCurrent(db, config.database.schema) },
    ...(redis ? [{ name: 'redis', check: async () => (await redis.ping()) === 'PONG' }] : []),
  ];
  const interactions = createInteractionRouter({ provider, accounts });

  // Middleware order: identify the request, catch errors, set headers, then
  // our routes; whatever they do not answer falls through to oidc-provider.
  provider.use(requestId());
  provider.use(createErrorMiddleware(logger));
  provider.use(securityHeaders());
  provider.use(createHealthRoutes(readiness, () => shuttingDown));
  for (const layer of middleware) provider.use(layer);
  provider.use(interactions.routes());
  provider.use(interactions.allowedMethods());

  return {
    provider,
    accounts,
    callback: () => provider.callback(),
    beginShutdown: () => { shuttingDown = true; },
  };
}
