import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/**
 * Every Prometheus series the server exports, on a registry of its own (not
 * prom-client's global default), so several apps can live in one process.
 * Label values are bounded: routes are oidc-provider route names or our route
 * patterns, never raw paths.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly tokensIssued: Counter<'grant_type'>;
  readonly refreshTokenReuse: Counter;
  /** Wrong username or password on the login page. */
  readonly loginFailures: Counter;
  /** Account mails (reset, verification, invitation) the SMTP server did not take; `kind` names the mail. */
  readonly mailFailures: Counter<'kind'>;
  /** Requests refused by a rate limit; `limiter` names the limit (e.g. token_per_ip). */
  readonly rateLimitRejections: Counter<'limiter'>;
  readonly adapterDuration: Histogram<'model' | 'store' | 'operation' | 'outcome'>;
  /**
   * adapterDuration.observe for label objects that are reused between calls
   * (adapters/timed-adapter.ts freezes one per model, operation and outcome):
   * each is bound once, as prom-client otherwise sorts and hashes the labels
   * on every observation, several times per token request.
   */
  observeAdapter(labels: AdapterLabels, seconds: number): void;
}

export type AdapterLabels = Readonly<Record<'model' | 'store' | 'operation' | 'outcome', string>>;

export interface MetricsOptions {
  /** Connection pool usage, sampled at scrape time. */
  poolStats(): PoolStats;
}

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export function createMetrics({ poolStats }: MetricsOptions): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const pool = (name: string, help: string, pick: (stats: PoolStats) => number) => new Gauge({
    name, help, registers,
    collect() { this.set(pick(poolStats())); },
  });
  pool('oidc_db_pool_connections', 'Open database connections', (stats) => stats.total);
  pool('oidc_db_pool_idle_connections', 'Idle database connections', (stats) => stats.idle);
  pool('oidc_db_pool_waiting_requests', 'Queries waiting for a database connection', (stats) => stats.waiting);

  const adapterDuration = new Histogram({
    name: 'oidc_adapter_operation_duration_seconds',
    help: 'Storage adapter operation latency by model, store and operation',
    labelNames: ['model', 'store', 'operation', 'outcome'],
    buckets: STORE_BUCKETS,
    registers,
  });
  const boundAdapter = new WeakMap<AdapterLabels, { observe(seconds: number): void }>();
  return {
    registry,
    adapterDuration,
    observeAdapter(labels, seconds) {
      let bound = boundAdapter.get(labels);
      if (!bound) boundAdapter.set(labels, bound = adapterDuration.labels(labels));
      bound.observe(seconds);
    },
    httpRequests: new Counter({ name: 'oidc_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers }),
    httpDuration: new Histogram({ name: 'oidc_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route', 'status'], buckets: HTTP_BUCKETS, registers }),
    tokensIssued: new Counter({ name: 'oidc_tokens_issued_total', help: 'Successful token endpoint responses by grant type', labelNames: ['grant_type'], registers }),
    refreshTokenReuse: new Counter({ name: 'oidc_refresh_token_reuse_total', help: 'Rotated refresh tokens presented again (the grant is revoked)', registers }),
    loginFailures: new Counter({ name: 'oidc_login_failures_total', help: 'Failed sign-ins (wrong username or password)', registers }),
    mailFailures: new Counter({ name: 'oidc_mail_failures_total', help: 'Account mails the SMTP server did not accept, by kind', labelNames: ['kind'], registers }),
    rateLimitRejections: new Counter({ name: 'oidc_rate_limit_rejections_total', help: 'Requests refused by a rate limit', labelNames: ['limiter'], registers }),
  };
}
