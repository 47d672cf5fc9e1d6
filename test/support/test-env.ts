import { randomBytes } from 'node:crypto';

/** Postgres and Redis that the suite runs against; CI makes sure both are up. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** A name unique to this test file run, usable as SQL schema and Redis key prefix. */
export function uniqueName(label: string): string {
  const safe = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
  return `t_${safe}_${randomBytes(4).toString('hex')}`;
}
