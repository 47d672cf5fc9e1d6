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

// Kysely's migrator looks for its own tables by introspecting every schema of
// the database; a schema dropped at that moment by another tenant of the same
// database (another installation, a parallel test) makes that one query fail
// with "does not exist". Such a failure says nothing about our schema, so the
// migration is simply tried again.
const CONCURRENT_DDL_CODES = new Set(['42P01', '3F000', 'XX000']);

function isConcurrentDdlError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CONCURRENT_DDL_CODES.has(code);
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, schema: string): Promise<MigrationResult[]> {
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await migrateOnce(db, schema);
    } catch (error) {
      const cause = error instanceof MigrationError ? error.cause : error;
      if (attempt >= 5 || !isConcurrentDdlError(cause)) throw error;
      await new Promise((resolve) => { setTimeout(resolve, 50 * attempt); });
    }
  }
}

async function migrateOnce(db: Kysely<any>, schema: string): Promise<MigrationResult[]> {
  const { error, results = [] } = await createMigrator(db, schema).migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${String(error)}`, { cause: error });
  }
  return results;
}

/** True when every migration in migrations/ has been applied. */
export async function isMigrationCurrent(db: Kysely<any>, schema: string): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const migrations = await createMigrator(db, schema).getMigrations();
      return migrations.every((migration) => migration.executedAt !== undefined);
    } catch (error) {
      if (attempt >= 5 || !isConcurrentDdlError(error)) throw error;
    }
  }
}
