import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports src/.
//
// The operator console's other keyset-paginated lists:
// - the audit trail filtered by event name, by the person an event is about
//   (details.user_id; the actor already has audit_events_actor_idx) or by
//   address, newest first (id desc);
// - the people who signed in to one app (its grants), newest first.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index audit_events_event_id_idx on audit_events (event, id)`.execute(db);
  await sql`create index audit_events_user_id_idx on audit_events ((details->>'user_id'), id) where (details->>'user_id') is not null`.execute(db);
  await sql`create index audit_events_ip_id_idx on audit_events (ip, id) where ip is not null`.execute(db);
  await sql`create index oidc_grants_client_created_idx on oidc_grants (client_id, created_at, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['oidc_grants_client_created_idx', 'audit_events_ip_id_idx', 'audit_events_user_id_idx', 'audit_events_event_id_idx']) {
    await sql`drop index if exists ${sql.id(index)}`.execute(db);
  }
}
