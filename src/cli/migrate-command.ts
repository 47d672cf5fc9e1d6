import type { Command } from 'commander';
import { migrateToLatest } from '../db/migrate.js';
import { withDatabase } from './cli-context.js';

export function registerMigrateCommand(program: Command): void {
  program.command('migrate')
    .description('apply every pending database migration')
    .action(async () => {
      await withDatabase(async ({ config, database }) => {
        const results = await migrateToLatest(database.db, config.database.schema);
        const applied = results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database schema is up to date\n');
      });
    });
}
