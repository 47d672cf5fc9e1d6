import type { Command } from 'commander';
import { runCleanupJob } from '../jobs/cleanup.js';
import { withDatabase } from './cli-context.js';

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error('expected a positive whole number');
  return parsed;
}

export function registerCleanupCommand(program: Command): void {
  program.command('cleanup')
    .description('delete expired and long-consumed rows from every oidc_* table, rows of disabled clients, expired or used account links, '
      + 'and audit events older than AUDIT_RETENTION_DAYS (safe while servers run; one run at a time across instances)')
    .option('--batch-size <n>', 'rows per DELETE statement', positiveInt, 1000)
    .action(async (options: { batchSize: number }) => {
      await withDatabase(async ({ config, database }) => {
        const { skipped, counts } = await runCleanupJob(database.db, { batchSize: options.batchSize, auditRetentionDays: config.audit.retentionDays });
        if (skipped) {
          process.stdout.write('skipped: another cleanup is running (a server with CLEANUP_INTERVAL_SECONDS or another `cleanup`)\n');
          return;
        }
        let total = 0;
        for (const [table, count] of Object.entries(counts)) {
          total += count;
          process.stdout.write(`${table}\t${count}\n`);
        }
        process.stdout.write(`total\t${total}\n`);
      });
    });
}
