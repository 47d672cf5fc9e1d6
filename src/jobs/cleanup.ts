import type { Kysely } from 'kysely';
import { MODEL_TABLES, type Database, type ModelTableName } from '../db/schema.js';
import type { Logger } from '../observability/logger.js';
import { deleteDeadModelRows } from './cleanup-repository.js';

export interface CleanupOptions {
  /** Rows per DELETE; small batches keep each lock short. */
  batchSize?: number;
  /**
   * How long a consumed row (a redeemed code, a rotated refresh token) is kept
   * before its expiry. While it exists, presenting it again is recognised as
   * reuse and revokes its grant (RFC 9700 §4.14.2); after that it is simply
   * unknown (still invalid_grant). Default 7 days.
   */
  consumedRetentionSeconds?: number;
  /** Upper bound on batches per table per run, so one run always ends. */
  maxBatchesPerTable?: number;
}

export type CleanupCounts = Record<ModelTableName, number>;

/** Deletes expired and long-consumed rows from every oidc_* table; returns how many per table. */
export async function runCleanup(db: Kysely<Database>, options: CleanupOptions = {}): Promise<CleanupCounts> {
  const batchSize = options.batchSize ?? 1000;
  const retention = options.consumedRetentionSeconds ?? 7 * 24 * 3600;
  const maxBatches = options.maxBatchesPerTable ?? 10_000;
  const counts = {} as CleanupCounts;
  for (const table of Object.values(MODEL_TABLES)) {
    let total = 0;
    for (let batch = 0; batch < maxBatches; batch += 1) {
      const deleted = await deleteDeadModelRows(db, table, batchSize, retention);
      total += deleted;
      // A short batch means nothing more is free to delete (the rest, if any,
      // is locked by a concurrent cleaner, which deletes it).
      if (deleted < batchSize) break;
    }
    counts[table] = total;
  }
  return counts;
}

/** Runs the cleanup every `seconds` in this process; returns a stop function. Overlapping runs are skipped. */
export function startCleanupInterval(db: Kysely<Database>, seconds: number, logger: Logger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runCleanup(db)
      .then((counts) => {
        const deleted = Object.values(counts).reduce((sum, count) => sum + count, 0);
        if (deleted > 0) logger.info({ deleted: counts }, 'cleanup removed expired rows');
      })
      .catch((err: unknown) => logger.warn({ err }, 'cleanup run failed; retrying at the next interval'))
      .finally(() => { running = false; });
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
