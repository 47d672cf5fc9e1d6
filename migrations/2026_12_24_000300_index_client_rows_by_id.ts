import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports src/. Revoking a client deletes its rows in
// bounded statements (a single statement took 3.7 s at 2.67M rows and would
// pass the statement timeout at 10M): a first batch of ids found through the
// client's index, then, for a busy client, the table swept page range by
// page range. With (client_id, id) the batch reads its ids from the index
// alone, without visiting the table; the composite index replaces the
// client_id one, which it serves as well. As with 2026_12_24_000200, an
// operator may build the new index beforehand with CREATE INDEX CONCURRENTLY
// under the same name.
const TABLES = [
  'oidc_grants', 'oidc_sessions', 'oidc_access_tokens', 'oidc_refresh_tokens', 'oidc_client_credentials',
  'oidc_registration_access_tokens', 'oidc_authorization_codes', 'oidc_device_codes', 'oidc_interactions',
  'oidc_pushed_authorization_requests', 'oidc_replay_detections', 'oidc_backchannel_authentication_requests',
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await sql`create index if not exists ${sql.id(`${table}_client_id_id_idx`)} on ${sql.table(table)} (client_id, id)`.execute(db);
    await sql`drop index if exists ${sql.id(`${table}_client_id_idx`)}`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await sql`create index if not exists ${sql.id(`${table}_client_id_idx`)} on ${sql.table(table)} (client_id)`.execute(db);
    await sql`drop index if exists ${sql.id(`${table}_client_id_id_idx`)}`.execute(db);
  }
}
