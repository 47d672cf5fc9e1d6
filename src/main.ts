import cluster from 'node:cluster';
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { runClusterPrimary } from './cluster-primary.js';
import { ConfigError, loadConfig, type Config } from './config/load-config.js';
import { createDb, type DatabaseHandle } from './db/create-db.js';
import { isMigrationCurrent, migrateToLatest } from './db/migrate.js';
import { startBackground } from './compose/background.js';
import { createServerApp } from './compose/create-server-app.js';
import { answerWhileStarting } from './http/answer-while-starting.js';
import { trackConnections } from './http/connection-drainer.js';
import { shareMetricsWithPrimary } from './observability/cluster-metrics.js';
import { createMetricsListener } from './observability/metrics-route.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createRedis } from './redis/create-redis.js';

function readConfig(boundPort?: number): Config {
  try {
    return loadConfig(undefined, boundPort);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** The pool (or the embedded database, migrated on start); a shared database must be migrated already. */
async function openDatabase(config: Config, logger: Logger): Promise<DatabaseHandle> {
  const database = await createDb(config);
  if (database.kind === 'pglite') {
    await migrateToLatest(database.db, config.database.schema);
  } else if (!(await isMigrationCurrent(database.db, config.database.schema))) {
    logger.fatal('the database schema is not up to date: run `npm run migrate` first');
    await database.close();
    process.exit(1);
  }
  return database;
}

/** METRICS_PORT: /metrics on a listener of its own, for scrapers on a private network. */
async function listenForMetrics(config: Config, registry: Registry, logger: Logger): Promise<Server | undefined> {
  // A worker's series go to the primary, which serves METRICS_PORT for all of them.
  if (cluster.isWorker) shareMetricsWithPrimary(registry);
  if (config.operations.metricsPort === undefined || cluster.isWorker) return undefined;
  const server = createServer(createMetricsListener(registry));
  server.listen(config.operations.metricsPort, config.host);
  await once(server, 'listening');
  logger.info({ metricsPort: (server.address() as AddressInfo).port }, 'metrics listening');
  return server;
}

async function main(): Promise<void> {
  const initial = readConfig();
  // WORKERS=N: this process only forks and watches N workers sharing the port (cluster-primary.ts).
  if (initial.workers > 1 && cluster.isPrimary) {
    await runClusterPrimary(initial, createLogger({ level: initial.logLevel }));
    return;
  }
  // Bound first, so a port already in use stops startup before any store is
  // opened; requests before the app is ready get 503 (answer-while-starting.ts).
  let handle: RequestListener = answerWhileStarting;
  const server = createServer((req, res) => handle(req, res));
  server.keepAliveTimeout = 65_000;
  const drainer = trackConnections(server);
  server.listen(initial.port, initial.host);
  await once(server, 'listening');
  // PORT=0 binds any free port (tests, supervisors reading the port from the
  // log): the configuration is read again with the port actually bound.
  const config = initial.port === 0 ? readConfig((server.address() as AddressInfo).port) : initial;
  const logger = createLogger({ level: config.logLevel });
  const database = await openDatabase(config, logger);
  const redis = createRedis(config);
  // The LISTEN connection behind the row caches, and the cleanup timer (compose/background.ts).
  const background = startBackground(config, database.db, logger);
  const app = await createServerApp({ config, database, redis, logger, caches: background.caches });
  // Embedded database: the CLI works through this process while it runs
  // (src/db/embedded-socket-server.ts); closed with the database.
  await database.serveLocalClients?.().then(
    (socket) => logger.info({ socket }, 'embedded database served to the CLI'),
    (err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'the CLI cannot reach the embedded database while the server runs'),
  );
  handle = app.callback();
  const metricsServer = await listenForMetrics(config, app.metrics.registry, logger);
  logger.info({ issuer: config.issuer, port: config.port, database: database.kind, redis: Boolean(redis) }, `OpenID Provider listening; issuer ${config.issuer}`);

  let stopping = false;
  // Stop accepting, report not ready, let in-flight requests finish (up to
  // SHUTDOWN_TIMEOUT_MS), then close the pools. See http/connection-drainer.ts.
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: config.operations.shutdownTimeoutMs }, 'shutting down: finishing in-flight requests');
    app.beginShutdown();
    background.stopTimers();
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    const outcome = await drainer.drain(config.operations.shutdownTimeoutMs);
    if (outcome === 'requests-cut') logger.warn('shutdown deadline reached: requests still running were cut');
    if (outcome === 'idle-closed') logger.info('shutdown deadline reached: idle keep-alive connections were closed');
    // Then everything opened above, in reverse: Redis, the LISTEN connection, the SMTP transport, the pool.
    redis?.disconnect();
    await background.close();
    await app.close();
    await database.close();
    logger.info('stopped');
    process.exit(0);
  };
  const onSignal = (signal: string) => {
    shutdown(signal).catch((err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`startup failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
