import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports src/. The audit trail is append-only: rows are
// inserted, never updated (a trigger refuses UPDATE); operators may delete old
// rows for retention.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('event', 'text', (col) => col.notNull())
    .addColumn('actor', 'text')
    .addColumn('client_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('details', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('audit_events_created_at_idx').on('audit_events').column('created_at').execute();
  await db.schema.createIndex('audit_events_actor_idx').on('audit_events').columns(['actor', 'created_at']).where('actor', 'is not', null).execute();
  await db.schema.createIndex('audit_events_client_id_idx').on('audit_events').columns(['client_id', 'created_at']).where('client_id', 'is not', null).execute();
  await sql`
    create function audit_events_refuse_update() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only';
    end;
    $$`.execute(db);
  await sql`
    create trigger audit_events_append_only before update on audit_events
    for each row execute function audit_events_refuse_update()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_events').execute();
  await sql`drop function if exists audit_events_refuse_update()`.execute(db);
}
