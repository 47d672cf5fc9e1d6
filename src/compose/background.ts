import type { Kysely } from 'kysely';
import { ACCOUNT_CHANGE_CHANNEL, startClientChangeListener } from '../../adapters/client-change-listener.js';
import type { ClientRowCache } from '../../adapters/client-row-cache.js';
import { RowCache } from '../../adapters/row-cache.js';
import type { Config } from '../config/load-config.js';
import type { Database } from '../db/schema.js';
import { startCleanupInterval } from '../jobs/cleanup.js';
import type { Logger } from '../observability/logger.js';
import type { AccountClaimsCache } from '../oidc/cached-account-claims.js';

/** Rows kept between requests while a LISTEN connection evicts every committed change. */
export interface RowCaches {
  clients?: ClientRowCache;
  accounts?: AccountClaimsCache;
}

export interface Background {
  readonly caches: RowCaches;
  /** Stops the cleanup timer (at the start of a shutdown). */
  stopTimers(): void;
  /** Stops the timer and ends the LISTEN connection (after the last request). */
  close(): Promise<void>;
}

/**
 * What runs beside the requests for the life of the process, opened and
 * closed by src/main.ts (and the test server) like the pools:
 * - Performance: client rows and active accounts' claims are cached between
 *   requests while one LISTEN connection evicts every committed change
 *   (adapters/client-change-listener.ts). Not on the embedded database, where
 *   a lookup has no network round trip.
 * - CLEANUP_INTERVAL_SECONDS: the cleanup job in this process (src/jobs/).
 */
export function startBackground(config: Config, db: Kysely<Database>, logger: Logger): Background {
  const accounts: AccountClaimsCache | undefined = config.database.url ? new RowCache() : undefined;
  const changes = config.database.url
    ? startClientChangeListener({
      connectionString: config.database.url,
      schema: config.database.schema,
      more: accounts ? [{ channel: ACCOUNT_CHANGE_CHANNEL, cache: accounts }] : [],
      onError: (error) => logger.warn({ err: error.message }, 'client change listener lost its connection; client lookups read the database until it is back'),
    })
    : undefined;
  const stopCleanup = config.cleanupIntervalSeconds > 0 ? startCleanupInterval(db, config.cleanupIntervalSeconds, logger) : () => {};
  return {
    caches: { clients: changes?.cache, accounts },
    stopTimers: stopCleanup,
    async close() {
      stopCleanup();
      await changes?.close();
    },
  };
}
