import { z } from 'zod';

const duration = (name: string, fallback: number) =>
  z.coerce
    .number({ message: `${name} must be a whole number of seconds` })
    .int({ message: `${name} must be a whole number of seconds` })
    .positive({ message: `${name} must be greater than zero` })
    .default(fallback);

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .default('false')
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, { message: `must be a URL using ${protocols.join(' or ')}` });

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
});

export type EnvInput = z.input<typeof envSchema>;
export type ParsedEnv = z.output<typeof envSchema>;
