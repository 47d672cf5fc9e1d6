import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports src/. The cleanup job deletes rows consumed
// longer ago than its retention; without an index on consumed_at every batch
// read the whole table (832 ms for an empty batch at 2.5M refresh tokens).
// Partial: only consumed rows are indexed, a small share of any table, so the
// index costs little to keep up. `if not exists`: on a large installation an
// operator may build these beforehand with CREATE INDEX CONCURRENTLY (same
// names), which takes no write lock; this migration then leaves them be
// (docs/operations.md, "Postgres at scale").
const TABLES = [
  'oidc_grants', 'oidc_sessions', 'oidc_access_tokens', 'oidc_refresh_tokens', 'oidc_client_credentials',
  'oidc_registration_access_tokens', 'oidc_authorization_codes', 'oidc_device_codes', 'oidc_interactions',
  'oidc_pushed_authorization_requests', 'oidc_replay_detections', 'oidc_backchannel_authentication_requests',
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await sql`create index if not exists ${sql.id(`${table}_consumed_at_idx`)} on ${sql.table(table)} (consumed_at) where consumed_at is not null`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await sql`drop index if exists ${sql.id(`${table}_consumed_at_idx`)}`.execute(db);
  }
}
