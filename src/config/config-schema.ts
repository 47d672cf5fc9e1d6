import { z } from 'zod';

const duration = (name: string, fallback: number) =>
  z.coerce
    .number({ message: `${name} must be a whole number of seconds` })
    .int({ message: `${name} must be a whole number of seconds` })
    .positive({ message: `${name} must be greater than zero` })
    .default(fallback);

const flagWords = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' });
const isOn = (value: z.infer<typeof flagWords>) => value === 'true' || value === '1' || value === 'yes';
const booleanFlag = flagWords.default('false').transform(isOn);
/** A flag whose default depends on other settings: undefined when unset. */
const optionalFlag = flagWords.optional().transform((value) => (value === undefined ? undefined : isOn(value)));

const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, { message: `must be a URL using ${protocols.join(' or ')}` });

const limit = (fallback: number) =>
  z.coerce.number({ message: 'must be a whole number of requests (0 = no limit)' }).int().min(0).default(fallback);

// How many failures lock or block a key (0 = that lock is off).
const threshold = (fallback: number) =>
  z.coerce.number({ message: 'must be a whole number of failures (0 = off)' }).int().min(0).max(100000, { message: 'must be between 0 and 100000' }).default(fallback);

// Operations: `host:port,host:port` (Redis Sentinel and Cluster seed nodes).
const hostPortList = z.string()
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
  .refine((entries) => entries.length > 0 && entries.every((entry) => /^[A-Za-z0-9.-]+:\d{1,5}$/.test(entry) && Number(entry.split(':')[1]) <= 65535), { message: 'must be a comma-separated list of host:port' })
  .transform((entries) => entries.map((entry) => ({ host: entry.slice(0, entry.lastIndexOf(':')), port: Number(entry.slice(entry.lastIndexOf(':') + 1)) })));

// Every variable the server reads, in one place. Defaults follow ../DESIGN.md's
// configuration contract; lifetimes follow the provider issue's numbers.
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { message: 'must be development, production or test' }).default('development'),
  PORT: z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535, { message: 'must be a port number (0-65535)' }).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  ISSUER: url(['http:', 'https:']).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a lower-case SQL identifier' }).default('public'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200, { message: 'must be between 1 and 200' }).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(10000),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_KEY_PREFIX: z.string().min(1).max(64).default('oidc:'),
  DATA_DIR: z.string().min(1).default('./data'),
  KEY_ENCRYPTION_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  COOKIE_KEYS: z.string()
    .transform((value) => value.split(',').map((key) => key.trim()).filter(Boolean))
    .refine((keys) => keys.length > 0 && keys.every((key) => key.length >= 32), { message: 'must be a comma-separated list of keys of at least 32 characters each' })
    .optional(),
  REGISTRATION_TOKEN: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  TRUST_PROXY: booleanFlag,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15, { message: 'must be between 4 and 15' }).default(12),
  ACCESS_TOKEN_TTL: duration('ACCESS_TOKEN_TTL', 3600),
  AUTHORIZATION_CODE_TTL: duration('AUTHORIZATION_CODE_TTL', 60),
  DEVICE_CODE_TTL: duration('DEVICE_CODE_TTL', 600),
  REFRESH_TOKEN_TTL: duration('REFRESH_TOKEN_TTL', 30 * 24 * 3600),
  INTERACTION_TTL: duration('INTERACTION_TTL', 3600),
  SESSION_TTL: duration('SESSION_TTL', 14 * 24 * 3600),
  DEVICE_POLL_INTERVAL: duration('DEVICE_POLL_INTERVAL', 5),
  // Hardening: rate limits (0 turns one limit off), login lockout, public-client
  // token lifetime, cleanup job. Limits aim at attackers: failed client
  // authentications block a (client, address) pair or an address; request
  // counts per RATE_LIMIT_WINDOW_SECONDS only for unauthenticated floods, the
  // token and introspection ceilings are off unless set (src/http/rate-limit.ts).
  RATE_LIMIT_WINDOW_SECONDS: duration('RATE_LIMIT_WINDOW_SECONDS', 60),
  RATE_LIMIT_TOKEN_PER_CLIENT: limit(0),
  RATE_LIMIT_TOKEN_PER_IP: limit(0),
  RATE_LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: limit(0),
  RATE_LIMIT_DEVICE_AUTHORIZATION_PER_IP: limit(60),
  RATE_LIMIT_REGISTRATION_PER_IP: limit(20),
  RATE_LIMIT_INTROSPECTION_PER_CLIENT: limit(0),
  RATE_LIMIT_INTROSPECTION_PER_IP: limit(0),
  RATE_LIMIT_LOGIN_PER_IP: limit(60),
  RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_AND_IP: threshold(10),
  RATE_LIMIT_AUTH_FAILURES_PER_IP: threshold(100),
  RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS: duration('RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS', 900),
  RATE_LIMIT_AUTH_BLOCK_SECONDS: duration('RATE_LIMIT_AUTH_BLOCK_SECONDS', 900),
  LOGIN_LOCKOUT_THRESHOLD: threshold(5),
  LOGIN_LOCKOUT_BASE_SECONDS: duration('LOGIN_LOCKOUT_BASE_SECONDS', 30),
  LOGIN_LOCKOUT_MAX_SECONDS: duration('LOGIN_LOCKOUT_MAX_SECONDS', 3600),
  LOGIN_LOCKOUT_IP_THRESHOLD: threshold(100),
  LOGIN_LOCKOUT_ACCOUNT_THRESHOLD: threshold(100),
  LOGIN_FAILURE_WINDOW_SECONDS: duration('LOGIN_FAILURE_WINDOW_SECONDS', 24 * 3600),
  LOGIN_KNOWN_BROWSER_TTL: duration('LOGIN_KNOWN_BROWSER_TTL', 180 * 24 * 3600),
  PUBLIC_CLIENT_ACCESS_TOKEN_TTL: duration('PUBLIC_CLIENT_ACCESS_TOKEN_TTL', 900),
  CLEANUP_INTERVAL_SECONDS: z.coerce.number({ message: 'must be a whole number of seconds' }).int().min(0).default(0),
  // Performance and scale (issue 17): worker processes behind one port
  // (node:cluster; `auto` = one per core), client-credentials issuance as an
  // audit row (off: it is counted in oidc_tokens_issued_total instead), and how
  // long the cleanup job keeps audit events (0 keeps everything).
  WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(256)], { message: 'must be a whole number of workers (1-256) or auto' }).default(1),
  AUDIT_TOKEN_ISSUANCE: booleanFlag,
  AUDIT_RETENTION_DAYS: z.coerce.number({ message: 'must be a whole number of days (0 keeps every event)' }).int().min(0).max(36500).default(90),
  // Operations: metrics, graceful shutdown, Redis Sentinel / Cluster topologies.
  METRICS_TOKEN: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  METRICS_PORT: z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535, { message: 'must be a port number (0-65535; 0 = any free port, logged)' }).optional(),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(1).max(10, { message: 'must be between 1 and 10' }).default(1),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number({ message: 'must be a whole number of milliseconds' }).int().min(0).max(600_000, { message: 'must be at most 600000' }).default(10_000),
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  REDIS_USERNAME: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  // Pages: what the login, consent, device and account pages are branded with.
  BRAND_NAME: z.string().trim().min(1).max(60, { message: 'must be at most 60 characters' }).optional(),
  BRAND_COLOR: z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, { message: 'must be a hex colour such as #1f5fd6' }).optional(),
  BRAND_LOGO_URL: url(['https:']).optional(),
  // Protocol policy (issue 11): the loopback name localhost in redirect URIs
  // (RFC 8252 §8.3), PKCE optional through registration, claims in ID tokens.
  REDIRECT_URI_LOCALHOST: z.enum(['allow', 'deny'], { message: 'must be allow or deny' }).default('allow'),
  REGISTRATION_ALLOW_PKCE_OPTIONAL: booleanFlag,
  ID_TOKEN_CLAIMS: z.enum(['scopes', 'strict'], { message: 'must be scopes or strict' }).default('scopes'),
  // POST at the authorization and end-session endpoints (OpenID Connect Core §3.1.2.1, RP-Initiated Logout §2);
  // unset: on with an https ISSUER (load-config.ts).
  HTTP_POST_METHODS: optionalFlag,
  // Strong authentication (issue 12): roles whose every sign-in needs a second factor.
  MFA_REQUIRED_ROLES: z.string()
    .transform((value) => [...new Set(value.split(',').map((role) => role.trim()).filter(Boolean))])
    .refine((roles) => roles.every((role) => ['user', 'staff', 'superuser'].includes(role)), { message: 'must be a comma-separated list of roles: user, staff, superuser' })
    .transform((roles) => roles as Array<'user' | 'staff' | 'superuser'>)
    .default([]),
  // Account lifecycle by e-mail (issue 14): the SMTP server and sender, how
  // long a mailed link works, who may sign up, how often links may be asked for.
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().trim()
    .regex(/^(?:[^<>\r\n"]{1,100} <[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, { message: 'must be an address such as no-reply@example.com or Name <no-reply@example.com>' })
    .optional(),
  ACCOUNT_LINK_TTL: duration('ACCOUNT_LINK_TTL', 30 * 60),
  INVITATION_LINK_TTL: duration('INVITATION_LINK_TTL', 7 * 24 * 3600),
  SIGNUP: z.enum(['off', 'open', 'invite-only'], { message: 'must be off, open or invite-only' }).default('off'),
  RATE_LIMIT_MAIL_PER_IP: limit(20),
  RATE_LIMIT_MAIL_PER_ACCOUNT: limit(5),
  RATE_LIMIT_MAIL_WINDOW_SECONDS: duration('RATE_LIMIT_MAIL_WINDOW_SECONDS', 3600),
});

export type EnvInput = z.input<typeof envSchema>;
export type ParsedEnv = z.output<typeof envSchema>;
