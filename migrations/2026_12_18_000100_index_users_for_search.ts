import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports src/.
//
// The operator console searches people by the start of their username or
// e-mail address, case-insensitively (lower(column) LIKE 'prefix%'). A plain
// b-tree serves LIKE prefixes only under the C collation; text_pattern_ops
// serves them under any collation (PostgreSQL "Operator Classes and Operator
// Families"), on Postgres and on the embedded PGlite alike. pg_trgm would
// also serve infix search but is an extension PGlite does not load by
// default, so the embedded database could not run this migration.
// Paging in username order keeps using users_username_lower_key.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index users_username_lower_pattern_idx on users (lower(username) text_pattern_ops)`.execute(db);
  await sql`create index users_email_lower_pattern_idx on users (lower(email) text_pattern_ops)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists users_email_lower_pattern_idx`.execute(db);
  await sql`drop index if exists users_username_lower_pattern_idx`.execute(db);
}
