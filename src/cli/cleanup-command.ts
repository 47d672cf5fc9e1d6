import type { Command } from 'commander';
import { runCleanup } from '../jobs/cleanup.js';
import { withDatabase } from './cli-context.js';

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error('expected a positive whole number');
  return parsed;
}

export function registerCleanupCommand(program: Command): void {
  program.command('cleanup')
    .description('delete expired and long-consumed rows from every oidc_* table, and expired or used account links (safe while servers run)')
    .option('--batch-size <n>', 'rows per DELETE statement', positiveInt, 1000)
    .action(async (options: { batchSize: number }) => {
      await withDatabase(async ({ database }) => {
        const counts = await runCleanup(database.db, { batchSize: options.batchSize });
        let total = 0;
        for (const [table, count] of Object.entries(counts)) {
          total += count;
          process.stdout.write(`${table}\t${count}\n`);
        }
        process.stdout.write(`total\t${total}\n`);
      });
    });
}
