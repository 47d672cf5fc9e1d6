import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from './config/load-config.js';
import type { Logger } from './observability/logger.js';

// A worker that keeps dying is a broken deployment, not bad luck: past this
// many unplanned exits in a minute the whole server stops.
const MAX_RESTARTS_PER_MINUTE = 5;

/**
 * WORKERS=N (node:cluster): this process forks N workers that each run the
 * whole server (main.ts) and share one listening port; the kernel hands each
 * new connection to one of them. Everything workers must agree on lives in
 * Postgres and Redis already (tokens, sessions, codes, rate-limit counters,
 * the client and account caches' invalidations); without REDIS_URL the rate
 * limits and login throttles count per worker. The primary opens no store.
 * It restarts a worker that dies after it started, gives up when one fails
 * to start (a wrong setting fails in every worker alike), serves METRICS_PORT
 * with every worker's series summed (prom-client's AggregatorRegistry), and
 * passes SIGTERM/SIGINT on for each worker's graceful shutdown.
 */
export async function runClusterPrimary(config: Config, logger: Logger): Promise<void> {
  let stopping = false;
  const alive = new Set<Worker>();
  const listening = new WeakSet<Worker>();
  const restarts: number[] = [];
  const fork = () => {
    const worker = cluster.fork();
    alive.add(worker);
    worker.once('listening', () => listening.add(worker));
  };
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of alive) worker.process.kill(signal);
  };
  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker);
    if (stopping) {
      if (alive.size === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts.length && restarts[0]! < now - 60_000) restarts.shift();
    if (!listening.has(worker) || restarts.length > MAX_RESTARTS_PER_MINUTE) {
      logger.fatal({ pid: worker.process.pid, exitCode: code, signal }, listening.has(worker) ? 'workers keep exiting: stopping' : 'a worker failed to start: stopping');
      process.exitCode = typeof code === 'number' && code !== 0 ? code : 1;
      stopAll('SIGTERM');
      if (alive.size === 0) process.exit(process.exitCode);
      return;
    }
    logger.error({ pid: worker.process.pid, exitCode: code, signal }, 'a worker exited unexpectedly: starting another');
    fork();
  });
  for (let i = 0; i < config.workers; i += 1) fork();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stopAll(signal));
  await serveAggregatedMetrics(config, logger);
  logger.info({ workers: config.workers, port: config.port }, `started ${config.workers} workers on one port`);
}

/** METRICS_PORT on the primary: the sum of every worker's registry (each worker registers its own, see main.ts). */
async function serveAggregatedMetrics(config: Config, logger: Logger): Promise<void> {
  const { metricsPort } = config.operations;
  if (metricsPort === undefined) return;
  const registry = new AggregatorRegistry();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.clusterMetrics().then(
      (body) => { res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(body); },
      () => { res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'); },
    );
  });
  server.listen(metricsPort, config.host);
  await once(server, 'listening');
  server.unref();
  logger.info({ metricsPort: (server.address() as AddressInfo).port }, 'metrics listening (all workers)');
}
