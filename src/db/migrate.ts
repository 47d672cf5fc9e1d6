import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { FileMigrationProvider, Migrator, type MigrationResult } from 'kysely/migration';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

function createMigrator(db: Kysely<any>, schema: string): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }),
    migrationTableSchema: schema,
  });
}

export class MigrationError extends Error {}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, schema: string): Promise<MigrationResult[]> {
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  const { error, results = [] } = await createMigrator(db, schema).migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${String(error)}`);
  }
  return results;
}

/** True when every migration in migrations/ has been applied. */
export async function isMigrationCurrent(db: Kysely<any>, schema: string): Promise<boolean> {
  const migrations = await createMigrator(db, schema).getMigrations();
  return migrations.every((migration) => migration.executedAt !== undefined);
}
