import { createServer } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config/load-config.js';
import { createDb } from './db/create-db.js';
import { isMigrationCurrent, migrateToLatest } from './db/migrate.js';
import { createServerApp } from './http/create-server-app.js';
import { createLogger } from './observability/logger.js';
import { createRedis } from './redis/create-redis.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ level: config.logLevel });
  const database = await createDb(config);
  if (database.kind === 'pglite') {
    await migrateToLatest(database.db, config.database.schema);
  } else if (!(await isMigrationCurrent(database.db, config.database.schema))) {
    logger.fatal('the database schema is not up to date: run `npm run migrate` first');
    await database.close();
    process.exit(1);
  }
  const redis = createRedis(config);
  const app = await createServerApp({ config, database, redis, logger });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  server.listen(config.port, config.host, () => {
    logger.info({ issuer: config.issuer, port: config.port, database: database.kind, redis: Boolean(redis) }, `OpenID Provider listening; issuer ${config.issuer}`);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    app.beginShutdown();
    const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    server.close(async () => {
      clearTimeout(deadline);
      redis?.disconnect();
      await database.close();
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`startup failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
