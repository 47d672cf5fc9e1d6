import os from 'node:os';
import path from 'node:path';
import { envSchema, type ParsedEnv } from './config-schema.js';

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

/** "Acme ID <no-reply@id.example.com>"; a loopback or IP issuer gets no-reply@localhost. */
function defaultMailFrom(brandName: string | undefined, issuer: string): string {
  const { hostname, host } = new URL(issuer);
  const domain = /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(hostname) ? hostname : 'localhost';
  // Quoted: a host's ':' or a brand's ',' would otherwise read as address syntax (RFC 5322 §3.4).
  const name = (brandName ?? host).replace(/["\\<>\r\n]/g, '');
  return `"${name}" <no-reply@${domain}>`;
}

function productionProblems(env: ParsedEnv, issuer: string): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (!env.COOKIE_KEYS) problems.push('COOKIE_KEYS: required when NODE_ENV=production');
  // Sign-up mails its verification link; the log stands in for SMTP only in development.
  if (env.SIGNUP !== 'off' && !env.SMTP_URL) problems.push(`SMTP_URL: required when SIGNUP=${env.SIGNUP} and NODE_ENV=production (sign-up mails a verification link)`);
  // A loopback http issuer stays allowed so a production build can be tried on one machine.
  if (!issuer.startsWith('https:') && !isLoopbackUrl(issuer)) {
    problems.push('ISSUER: must be an https URL when NODE_ENV=production (http is allowed only for loopback)');
  }
  return problems;
}

/**
 * Whether the cookies are marked Secure: the server speaks plain HTTP, so
 * only a request a trusted proxy marks as https (X-Forwarded-Proto) is secure.
 */
function securesCookies(env: ParsedEnv, issuer: string): boolean {
  return issuer.startsWith('https:') && env.TRUST_PROXY;
}

function operationsProblems(env: ParsedEnv): string[] {
  const problems: string[] = [];
  const topologies = [env.REDIS_URL && 'REDIS_URL', env.REDIS_SENTINELS && 'REDIS_SENTINELS', env.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES'].filter(Boolean);
  if (topologies.length > 1) problems.push(`${topologies.join(', ')}: set only one Redis topology`);
  if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME) problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the monitored master name)');
  if (env.REDIS_SENTINEL_NAME && !env.REDIS_SENTINELS) problems.push('REDIS_SENTINELS: required with REDIS_SENTINEL_NAME');
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) problems.push('METRICS_PORT: must differ from PORT');
  // One process owns the embedded database (src/db/data-dir-lock.ts); workers need a shared one.
  if (!env.DATABASE_URL && workerCount(env.WORKERS) > 1) {
    problems.push('WORKERS: more than one worker needs DATABASE_URL (the embedded database in DATA_DIR is owned by one process); set DATABASE_URL or WORKERS=1');
  }
  return problems;
}

function workerCount(workers: ParsedEnv['WORKERS']): number {
  return workers === 'auto' ? os.availableParallelism() : workers;
}

function redisTopology(env: ParsedEnv): RedisTopology {
  const auth = { ...(env.REDIS_USERNAME ? { username: env.REDIS_USERNAME } : {}), ...(env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {}) };
  if (env.REDIS_URL) return { kind: 'single', url: env.REDIS_URL };
  if (env.REDIS_SENTINELS && env.REDIS_SENTINEL_NAME) return { kind: 'sentinel', sentinels: env.REDIS_SENTINELS, name: env.REDIS_SENTINEL_NAME, ...auth };
  if (env.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: env.REDIS_CLUSTER_NODES, ...auth };
  return { kind: 'none' };
}

/** Hardening: request limits per window (0 = off) and the login lockout. */
function limitSettings(env: ParsedEnv) {
  return {
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
      // Failed client authentications before a (client, address) pair, or an address, is blocked (0 = off).
      authFailuresPerClientAndIp: env.RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_AND_IP,
      authFailuresPerIp: env.RATE_LIMIT_AUTH_FAILURES_PER_IP,
      authFailureWindowSeconds: env.RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS,
      authBlockSeconds: env.RATE_LIMIT_AUTH_BLOCK_SECONDS,
    }),
    loginLockout: Object.freeze({
      // Failures per (account, address) pair before it locks (0 = off).
      threshold: env.LOGIN_LOCKOUT_THRESHOLD,
      baseSeconds: env.LOGIN_LOCKOUT_BASE_SECONDS,
      maxSeconds: env.LOGIN_LOCKOUT_MAX_SECONDS,
      ipThreshold: env.LOGIN_LOCKOUT_IP_THRESHOLD,
      // Failures per account, from anywhere, before it locks for every browser not known to it (0 = off).
      accountThreshold: env.LOGIN_LOCKOUT_ACCOUNT_THRESHOLD,
      failureWindowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
      // Max age of the signed "known browser" cookie set at a successful sign-in.
      knownBrowserSeconds: env.LOGIN_KNOWN_BROWSER_TTL,
    }),
  };
}

/** Pages, protocol policy, strong authentication, account mails, audit. */
function featureSettings(env: ParsedEnv, issuer: string) {
  return {
    // Unset → neutral defaults (the issuer's host names the pages).
    branding: Object.freeze({ name: env.BRAND_NAME, color: env.BRAND_COLOR, logoUrl: env.BRAND_LOGO_URL }),
    protocol: Object.freeze({
      redirectUriLocalhost: env.REDIRECT_URI_LOCALHOST,
      registrationAllowPkceOptional: env.REGISTRATION_ALLOW_PKCE_OPTIONAL,
      // `scopes` puts granted scopes' claims in the ID token; `strict` only when no access token is issued (Core §5.4).
      idTokenClaims: env.ID_TOKEN_CLAIMS,
      // POST at /auth and /session/end, as Core §3.1.2.1 requires; the session cookie then goes
      // SameSite=None (build-cookies.ts), which browsers accept only with Secure: so on by default
      // where cookies are Secure (https issuer, TLS ended by a trusted proxy), off otherwise.
      httpPostMethods: env.HTTP_POST_METHODS ?? securesCookies(env, issuer),
    }),
    mfa: Object.freeze({ requiredRoles: Object.freeze([...env.MFA_REQUIRED_ROLES]) }),
    mail: Object.freeze({
      // Unset: outside production each mail is written to the log; in production the mail features are off.
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM ?? defaultMailFrom(env.BRAND_NAME, issuer),
      linkTtlSeconds: env.ACCOUNT_LINK_TTL,
      invitationTtlSeconds: env.INVITATION_LINK_TTL,
      perIp: env.RATE_LIMIT_MAIL_PER_IP,
      perAccount: env.RATE_LIMIT_MAIL_PER_ACCOUNT,
      windowSeconds: env.RATE_LIMIT_MAIL_WINDOW_SECONDS,
    }),
    signup: env.SIGNUP,
    audit: Object.freeze({ tokenIssuance: env.AUDIT_TOKEN_ISSUANCE, retentionDays: env.AUDIT_RETENTION_DAYS }),
  };
}

/**
 * The settings, grouped, from the parsed variables: the one place each
 * variable gets its name in the code. `Config` is this function's result
 * type, so a setting is written in the schema (config-schema.ts) and here,
 * nowhere else.
 */
function groupSettings(env: ParsedEnv, issuer: string, source: Record<string, string | undefined>) {
  return Object.freeze({
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    issuer,
    dataDir: path.resolve(env.DATA_DIR),
    logLevel: env.LOG_LEVEL,
    // WORKERS: processes serving the port (node:cluster); `auto` resolved to the number of cores.
    workers: workerCount(env.WORKERS),
    database: Object.freeze({
      url: env.DATABASE_URL,
      schema: env.DATABASE_SCHEMA,
      poolSize: env.DATABASE_POOL_SIZE,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    }),
    redis: Object.freeze({ keyPrefix: env.REDIS_KEY_PREFIX }),
    keyEncryptionSecret: env.KEY_ENCRYPTION_SECRET,
    cookieKeys: env.COOKIE_KEYS ? Object.freeze([...env.COOKIE_KEYS]) : undefined,
    registrationToken: env.REGISTRATION_TOKEN,
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
    publicClientAccessTokenTtl: env.PUBLIC_CLIENT_ACCESS_TOKEN_TTL,
    cleanupIntervalSeconds: env.CLEANUP_INTERVAL_SECONDS,
    ...limitSettings(env),
    // Operations: who may read /metrics, how long shutdown waits, proxies, which Redis topology.
    operations: Object.freeze({
      // Bearer token for /metrics on the main port; unset and no metricsPort → /metrics not served.
      metricsToken: env.METRICS_TOKEN,
      // A separate listener (on HOST) serving only /metrics, without a token.
      metricsPort: env.METRICS_PORT,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      // TRUST_PROXY: honour X-Forwarded-*; TRUST_PROXY_HOPS: how many proxies append to
      // X-Forwarded-For (the client address is read that far from the right).
      trustProxy: env.TRUST_PROXY,
      trustProxyHops: env.TRUST_PROXY_HOPS,
      redisTopology: redisTopology(env),
    }),
    ...featureSettings(env, issuer),
    // Reads a secret that a client definition names by its environment variable
    // (clients in code never hold a literal secret). Read once at startup.
    secretFromEnv: (name: string): string | undefined => source[name],
  });
}

/** The frozen, typed configuration: what loadConfig returns. */
export type Config = ReturnType<typeof groupSettings>;

/**
 * Reads the environment once; the only place that looks at process.env.
 * `boundPort`: the port actually bound when PORT=0 asked for any free one;
 * the default issuer then names it.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env, boundPort?: number): Config {
  const blankAsUnset = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const env = { ...parsed.data, PORT: parsed.data.PORT === 0 && boundPort ? boundPort : parsed.data.PORT };
  const issuer = (env.ISSUER ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
  const problems = [...productionProblems(env, issuer), ...operationsProblems(env)];
  // A SameSite=None cookie without Secure is dropped by browsers.
  if (env.HTTP_POST_METHODS && !securesCookies(env, issuer)) {
    problems.push('HTTP_POST_METHODS: needs an https ISSUER served through a TLS-terminating proxy with TRUST_PROXY=true (the session cookie becomes SameSite=None, which browsers accept only with Secure)');
  }
  if (env.ISSUER && (new URL(issuer).search || new URL(issuer).hash)) {
    problems.push('ISSUER: must not contain a query or fragment (OpenID Connect Discovery §3)');
  }
  if (problems.length) throw new ConfigError(problems);

  return groupSettings(env, issuer, blankAsUnset);
}
