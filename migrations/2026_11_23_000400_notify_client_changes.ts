import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports src/. Every committed change to a client row
// is announced on one channel, so servers that cache client rows
// (adapters/client-row-cache.ts) evict them in every process. Postgres
// delivers NOTIFY only when the writing transaction commits, so a listener
// never hears of a change before it is visible to its own queries.
//
// One fixed channel with the schema in the payload ('<schema>:<client_id>'),
// rather than one channel per schema: channel names are identifiers of at most
// 63 bytes and pg_notify() raises an error for a longer one, so a channel built
// from a long schema name would make every write to `clients` fail. Schema
// names are lower-case identifiers (DATABASE_SCHEMA), so the first ':' ends
// the schema. tg_table_schema (not current_schema()) names the table's own
// schema whatever the writer's search_path. A payload past NOTIFY's 8000-byte
// limit (an absurdly long client_id), and TRUNCATE, announce the bare schema,
// which listeners read as "forget every client of this schema".
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function clients_notify_change() returns trigger language plpgsql as $$
    declare
      ids text[] := array[]::text[];
      id text;
      payload text;
    begin
      if tg_op = 'TRUNCATE' then
        perform pg_notify('oidc_client_changed', tg_table_schema);
        return null;
      end if;
      if tg_op <> 'INSERT' then ids := ids || old.client_id; end if;
      if tg_op <> 'DELETE' then ids := ids || new.client_id; end if;
      foreach id in array ids loop
        payload := tg_table_schema || ':' || id;
        if octet_length(payload) > 7900 then payload := tg_table_schema; end if;
        -- Identical notifications within one transaction are sent once.
        perform pg_notify('oidc_client_changed', payload);
      end loop;
      return null;
    end;
    $$`.execute(db);
  await sql`
    create trigger clients_notify_change after insert or update or delete on clients
    for each row execute function clients_notify_change()`.execute(db);
  await sql`
    create trigger clients_notify_truncate after truncate on clients
    for each statement execute function clients_notify_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists clients_notify_truncate on clients`.execute(db);
  await sql`drop trigger if exists clients_notify_change on clients`.execute(db);
  await sql`drop function if exists clients_notify_change()`.execute(db);
}
