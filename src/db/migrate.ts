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
const CONCURRENT_DDL_CODES = new Set(['42P01', '42703', '42704', '3F000', 'XX000']);
const DDL_LOCK = 'oidc-server:ddl';

/**
 * Runs `run` on one connection holding a session advisory lock that every
 * migration (and every schema drop by tooling) of this database takes, so the
 * migrator's database-wide introspection never meets half-done DDL of another
 * schema. The lock is per database, and migrations are short.
 */
export async function withDdlLock<T>(db: Kysely<any>, run: (connection: Kysely<any>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(hashtext(${DDL_LOCK}))`.execute(connection);
    try {
      return await run(connection);
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${DDL_LOCK}))`.execute(connection);
    }
  });
}

function isConcurrentDdlError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CONCURRENT_DDL_CODES.has(code);
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, schema: string): Promise<MigrationResult[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await withDdlLock(db, async (connection) => {
        await sql`create schema if not exists ${sql.id(schema)}`.execute(connection);
        return migrateOnce(connection, schema);
      });
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

let shippedNames: Promise<string[]> | undefined;

// The files in migrations/ cannot change while the process runs: list (and
// import) them once, not on every readiness probe. A failed listing is not
// remembered.
function shippedMigrationNames(): Promise<string[]> {
  shippedNames ??= new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }).getMigrations().then(
    (migrations) => Object.keys(migrations),
    (error: unknown) => { shippedNames = undefined; throw error; },
  );
  return shippedNames;
}

/**
 * True when every migration in migrations/ has been applied. Reads only this
 * schema's own migration table (no database-wide introspection), because
 * /readyz asks on every probe.
 */
export async function isMigrationCurrent(db: Kysely<any>, schema: string): Promise<boolean> {
  const expected = await shippedMigrationNames();
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(`${schema}.kysely_migration`)}`.execute(db);
    const applied = new Set(rows.map((row) => row.name));
    return expected.every((name) => applied.has(name));
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') return false;
    throw error;
  }
}
