import path from 'node:path';
import { envSchema, type ParsedEnv } from './config-schema.js';

export interface Config {
  readonly env: ParsedEnv['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  readonly issuer: string;
  readonly database: {
    readonly url: string | undefined;
    readonly schema: string;
    readonly poolSize: number;
    readonly statementTimeoutMs: number;
  };
  readonly redis: { readonly keyPrefix: string };
  readonly dataDir: string;
  readonly keyEncryptionSecret: string | undefined;
  readonly cookieKeys: readonly string[] | undefined;
  readonly registrationToken: string | undefined;
  readonly trustProxy: boolean;
  readonly logLevel: ParsedEnv['LOG_LEVEL'];
  readonly bcryptCost: number;
  readonly ttl: {
    readonly accessToken: number;
    readonly authorizationCode: number;
    readonly deviceCode: number;
    readonly refreshToken: number;
    readonly interaction: number;
    readonly session: number;
  };
  readonly devicePollInterval: number;
  /** Hardening: request limits per window (0 = off), login lockout, cleanup interval (0 = off). */
  readonly rateLimit: {
    readonly windowSeconds: number;
    readonly tokenPerClient: number;
    readonly tokenPerIp: number;
    readonly deviceAuthorizationPerClient: number;
    readonly deviceAuthorizationPerIp: number;
    readonly registrationPerIp: number;
    readonly introspectionPerClient: number;
    readonly introspectionPerIp: number;
    readonly loginPerIp: number;
  };
  readonly loginLockout: {
    readonly threshold: number;
    readonly baseSeconds: number;
    readonly maxSeconds: number;
    readonly ipThreshold: number;
    readonly failureWindowSeconds: number;
  };
  readonly publicClientAccessTokenTtl: number;
  readonly cleanupIntervalSeconds: number;
  /** Operations: who may read /metrics, how long shutdown waits, which Redis topology. */
  readonly operations: {
    /** Bearer token for /metrics on the main port; unset and no metricsPort → /metrics not served. */
    readonly metricsToken: string | undefined;
    /** A separate listener (on HOST) serving only /metrics, without a token. */
    readonly metricsPort: number | undefined;
    readonly shutdownTimeoutMs: number;
    /** With TRUST_PROXY: how many proxies append to X-Forwarded-For (the client address is read that far from the right). */
    readonly trustProxyHops: number;
    readonly redisTopology: RedisTopology;
  };
  /** Pages: product name, primary colour (hex) and logo (https) of the pages; unset → neutral defaults. */
  readonly branding: {
    readonly name: string | undefined;
    readonly color: string | undefined;
    readonly logoUrl: string | undefined;
  };
  /**
   * Reads a secret that a client definition names by its environment variable
   * (clients in code never hold a literal secret). Read once at startup.
   */
  secretFromEnv(name: string): string | undefined;
}

/** Operations: one Redis deployment shape at a time (REDIS_URL, Sentinel or Cluster). */
export type RedisTopology =
  | { readonly kind: 'none' }
  | { readonly kind: 'single'; readonly url: string }
  | { readonly kind: 'sentinel'; readonly sentinels: readonly RedisNode[]; readonly name: string; readonly username?: string; readonly password?: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisNode[]; readonly username?: string; readonly password?: string };

export interface RedisNode { readonly host: string; readonly port: number }

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function isLoopbackUrl(value: string): boolean {
  const { hostname } = new URL(value);
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function productionProblems(env: ParsedEnv, issuer: string): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (!env.COOKIE_KEYS) problems.push('COOKIE_KEYS: required when NODE_ENV=production');
  // A loopback http issuer stays allowed so a production build can be tried on one machine.
  if (!issuer.startsWith('https:') && !isLoopbackUrl(issuer)) {
    problems.push('ISSUER: must be an https URL when NODE_ENV=production (http is allowed only for loopback)');
  }
  return problems;
}

function operationsProblems(env: ParsedEnv): string[] {
  const problems: string[] = [];
  const topologies = [env.REDIS_URL && 'REDIS_URL', env.REDIS_SENTINELS && 'REDIS_SENTINELS', env.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES'].filter(Boolean);
  if (topologies.length > 1) problems.push(`${topologies.join(', ')}: set only one Redis topology`);
  if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME) problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the monitored master name)');
  if (env.REDIS_SENTINEL_NAME && !env.REDIS_SENTINELS) problems.push('REDIS_SENTINELS: required with REDIS_SENTINEL_NAME');
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT === env.PORT) problems.push('METRICS_PORT: must differ from PORT');
  return problems;
}

function redisTopology(env: ParsedEnv): RedisTopology {
  const auth = { ...(env.REDIS_USERNAME ? { username: env.REDIS_USERNAME } : {}), ...(env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {}) };
  if (env.REDIS_URL) return { kind: 'single', url: env.REDIS_URL };
  if (env.REDIS_SENTINELS && env.REDIS_SENTINEL_NAME) return { kind: 'sentinel', sentinels: env.REDIS_SENTINELS, name: env.REDIS_SENTINEL_NAME, ...auth };
  if (env.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: env.REDIS_CLUSTER_NODES, ...auth };
  return { kind: 'none' };
}

/** Reads the environment once; the only place that looks at process.env. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const blankAsUnset = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const env = parsed.data;
  const issuer = (env.ISSUER ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
  const problems = [...productionProblems(env, issuer), ...operationsProblems(env)];
  if (env.ISSUER && (new URL(issuer).search || new URL(issuer).hash)) {
    problems.push('ISSUER: must not contain a query or fragment (OpenID Connect Discovery §3)');
  }
  if (problems.length) throw new ConfigError(problems);

  return Object.freeze({
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    issuer,
    database: Object.freeze({
      url: env.DATABASE_URL,
      schema: env.DATABASE_SCHEMA,
      poolSize: env.DATABASE_POOL_SIZE,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    }),
    redis: Object.freeze({ keyPrefix: env.REDIS_KEY_PREFIX }),
    dataDir: path.resolve(env.DATA_DIR),
    keyEncryptionSecret: env.KEY_ENCRYPTION_SECRET,
    cookieKeys: env.COOKIE_KEYS ? Object.freeze([...env.COOKIE_KEYS]) : undefined,
    registrationToken: env.REGISTRATION_TOKEN,
    trustProxy: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    bcryptCost: env.BCRYPT_COST,
    ttl: Object.freeze({
      accessToken: env.ACCESS_TOKEN_TTL,
      authorizationCode: env.AUTHORIZATION_CODE_TTL,
      deviceCode: env.DEVICE_CODE_TTL,
      refreshToken: env.REFRESH_TOKEN_TTL,
      interaction: env.INTERACTION_TTL,
      session: env.SESSION_TTL,
    }),
    devicePollInterval: env.DEVICE_POLL_INTERVAL,
    rateLimit: Object.freeze({
      windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
      tokenPerClient: env.RATE_LIMIT_TOKEN_PER_CLIENT,
      tokenPerIp: env.RATE_LIMIT_TOKEN_PER_IP,
      deviceAuthorizationPerClient: env.RATE_LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT,
      deviceAuthorizationPerIp: env.RATE_LIMIT_DEVICE_AUTHORIZATION_PER_IP,
      registrationPerIp: env.RATE_LIMIT_REGISTRATION_PER_IP,
      introspectionPerClient: env.RATE_LIMIT_INTROSPECTION_PER_CLIENT,
      introspectionPerIp: env.RATE_LIMIT_INTROSPECTION_PER_IP,
      loginPerIp: env.RATE_LIMIT_LOGIN_PER_IP,
    }),
    loginLockout: Object.freeze({
      threshold: env.LOGIN_LOCKOUT_THRESHOLD,
      baseSeconds: env.LOGIN_LOCKOUT_BASE_SECONDS,
      maxSeconds: env.LOGIN_LOCKOUT_MAX_SECONDS,
      ipThreshold: env.LOGIN_LOCKOUT_IP_THRESHOLD,
      failureWindowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
    }),
    publicClientAccessTokenTtl: env.PUBLIC_CLIENT_ACCESS_TOKEN_TTL,
    cleanupIntervalSeconds: env.CLEANUP_INTERVAL_SECONDS,
    operations: Object.freeze({
      metricsToken: env.METRICS_TOKEN,
      metricsPort: env.METRICS_PORT,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      trustProxyHops: env.TRUST_PROXY_HOPS,
      redisTopology: redisTopology(env),
    }),
    branding: Object.freeze({ name: env.BRAND_NAME, color: env.BRAND_COLOR, logoUrl: env.BRAND_LOGO_URL }),
    secretFromEnv: (name: string) => blankAsUnset[name],
  });
}
