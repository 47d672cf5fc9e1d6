import path from 'node:path';
import { envSchema, type ParsedEnv } from './config-schema.js';

export interface Config {
  readonly env: ParsedEnv['NODE_ENV'];
  readonly isProduction: boolean;
  readonly port: number;
  readonly host: string;
  readonly issuer: string;
  readonly database: {
    readonly url: string | undefined;
    readonly schema: string;
    readonly poolSize: number;
    readonly statementTimeoutMs: number;
  };
  readonly redis: { readonly url: string | undefined; readonly keyPrefix: string };
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
  /**
   * Reads a secret that a client definition names by its environment variable
   * (clients in code never hold a literal secret). Read once at startup.
   */
  secretFromEnv(name: string): string | undefined;
}

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
  const problems = productionProblems(env, issuer);
  if (env.ISSUER && (new URL(issuer).search || new URL(issuer).hash)) {
    problems.push('ISSUER: must not contain a query or fragment (OpenID Connect Discovery §3)');
  }
  if (problems.length) throw new ConfigError(problems);

  return Object.freeze({
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    port: env.PORT,
    host: env.HOST,
    issuer,
    database: Object.freeze({
      url: env.DATABASE_URL,
      schema: env.DATABASE_SCHEMA,
      poolSize: env.DATABASE_POOL_SIZE,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    }),
    redis: Object.freeze({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX }),
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
    secretFromEnv: (name: string) => blankAsUnset[name],
  });
}
