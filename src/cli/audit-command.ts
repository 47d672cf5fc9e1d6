import type { Command } from 'commander';
import { findRecentAuditEvents } from '../audit/audit-repository.js';
import { withDatabase } from './cli-context.js';

function limit(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0 || parsed > 10_000) throw new Error('--limit must be a whole number between 1 and 10000');
  return parsed;
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('read the audit trail');
  audit.command('tail')
    .description('print the newest audit events, oldest first (one JSON object per line)')
    .option('--limit <n>', 'how many events', limit, 50)
    .option('--event <name>', 'only this event, e.g. login.failure')
    .action(async (options: { limit: number; event?: string }) => {
      await withDatabase(async ({ database }) => {
        const events = await findRecentAuditEvents(database.db, { limit: options.limit, event: options.event });
        for (const event of events.reverse()) {
          process.stdout.write(`${JSON.stringify({ ...event, createdAt: event.createdAt.toISOString() })}\n`);
        }
      });
    });
}
