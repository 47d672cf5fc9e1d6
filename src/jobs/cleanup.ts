import type { Kysely } from 'kysely';
import { MODEL_TABLES, type Database, type ModelName, type ModelTableName } from '../db/schema.js';
import type { Logger } from '../observability/logger.js';
import { CLIENT_REVOKED_MODELS, deleteRowsOfDisabledClients } from '../../adapters/revoke-entities.js';
import { deleteDeadAccountTokens } from '../accounts/account-tokens-repository.js';
import { deleteDeadModelRows, deleteOldAuditEvents, releaseCleanupLock, tryCleanupLock, type Batch } from './cleanup-repository.js';

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
  /** AUDIT_RETENTION_DAYS: audit events older than this many days go (0 keeps every event). Default 90. */
  auditRetentionDays?: number;
  /** Upper bound on batches per table and condition per run, so one run always ends. */
  maxBatchesPerTable?: number;
}

export type CleanupCounts = Record<ModelTableName | 'account_tokens' | 'audit_events', number>;

export interface CleanupRun {
  /** Another instance (or the CLI) was running the cleanup: this one did nothing. */
  skipped: boolean;
  counts: CleanupCounts;
}

/** Runs `deleteBatch` until a batch comes back short (nothing more is free to delete) or the bound is reached. */
async function drain(deleteBatch: () => Promise<number>, batchSize: number, maxBatches: number): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}

/** drain() for batches that go oldest first: each starts at the latest timestamp the one before reached. */
async function drainInOrder(deleteBatch: (after: Date | null) => Promise<Batch>, batchSize: number, maxBatches: number): Promise<number> {
  let after: Date | null = null;
  return drain(async () => {
    const { deleted, last } = await deleteBatch(after);
    after = last ?? after;
    return deleted;
  }, batchSize, maxBatches);
}

function emptyCounts(): CleanupCounts {
  return Object.fromEntries([...Object.values(MODEL_TABLES), 'account_tokens', 'audit_events'].map((table) => [table, 0])) as CleanupCounts;
}

async function cleanAll(db: Kysely<Database>, options: CleanupOptions): Promise<CleanupCounts> {
  const batchSize = options.batchSize ?? 1000;
  const retentionSeconds = options.consumedRetentionSeconds ?? 7 * 24 * 3600;
  const auditDays = options.auditRetentionDays ?? 90;
  const maxBatches = options.maxBatchesPerTable ?? 10_000;
  const counts = emptyCounts();
  for (const [model, table] of Object.entries(MODEL_TABLES) as Array<[ModelName, ModelTableName]>) {
    counts[table] += await drainInOrder((after) => deleteDeadModelRows(db, table, batchSize, { kind: 'expired' }, after), batchSize, maxBatches);
    counts[table] += await drainInOrder((after) => deleteDeadModelRows(db, table, batchSize, { kind: 'consumed', retentionSeconds }, after), batchSize, maxBatches);
    // What a revocation of a disabled client left behind (adapters/revoke-entities.ts).
    if (CLIENT_REVOKED_MODELS.includes(model)) {
      counts[table] += await drain(() => deleteRowsOfDisabledClients(db, model, batchSize), batchSize, maxBatches);
    }
  }
  // The links account mails carry (src/accounts/account-tokens.ts): an expired or used one opens nothing.
  counts.account_tokens = await drain(() => deleteDeadAccountTokens(db, batchSize), batchSize, maxBatches);
  if (auditDays > 0) counts.audit_events = await drainInOrder((after) => deleteOldAuditEvents(db, auditDays, batchSize, after), batchSize, maxBatches);
  return counts;
}

/**
 * Deletes expired and long-consumed rows from every oidc_* table, rows left
 * by a cut-short client revocation, dead account links and audit events past
 * their retention. One runner at a time across every instance: the run holds
 * an advisory lock on one connection, and a run that cannot take it skips.
 */
export async function runCleanupJob(db: Kysely<Database>, options: CleanupOptions = {}): Promise<CleanupRun> {
  return db.connection().execute(async (connection) => {
    if (!(await tryCleanupLock(connection))) return { skipped: true, counts: emptyCounts() };
    try {
      return { skipped: false, counts: await cleanAll(connection, options) };
    } finally {
      await releaseCleanupLock(connection);
    }
  });
}

/** runCleanupJob's counts (all zero when another runner held the lock). */
export async function runCleanup(db: Kysely<Database>, options: CleanupOptions = {}): Promise<CleanupCounts> {
  return (await runCleanupJob(db, options)).counts;
}

/** Runs the cleanup every `seconds` in this process; returns a stop function. Overlapping runs are skipped. */
export function startCleanupInterval(db: Kysely<Database>, seconds: number, logger: Logger, options: CleanupOptions = {}): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runCleanupJob(db, options)
      .then(({ skipped, counts }) => {
        const deleted = Object.values(counts).reduce((sum, count) => sum + count, 0);
        if (skipped) logger.debug('cleanup skipped: another instance is running it');
        else if (deleted > 0) logger.info({ deleted: counts }, 'cleanup removed expired rows');
      })
      .catch((err: unknown) => logger.warn({ err }, 'cleanup run failed; retrying at the next interval'))
      .finally(() => { running = false; });
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
