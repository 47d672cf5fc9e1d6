import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports src/. Every committed change to a users row is
// announced on 'oidc_account_changed' as '<schema>:<user id>', exactly as
// 2026_11_23_000400_notify_client_changes.ts does for clients, so servers that
// keep active accounts' claims in memory (userinfo, refresh, introspection's
// liveness check) evict them in every process. TRUNCATE, and a payload past
// NOTIFY's 8000-byte limit, announce the bare schema: forget every account.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function users_notify_change() returns trigger language plpgsql as $$
    declare
      ids text[] := array[]::text[];
      id text;
      payload text;
    begin
      if tg_op = 'TRUNCATE' then
        perform pg_notify('oidc_account_changed', tg_table_schema);
        return null;
      end if;
      if tg_op <> 'INSERT' then ids := ids || old.id; end if;
      if tg_op <> 'DELETE' then ids := ids || new.id; end if;
      foreach id in array ids loop
        payload := tg_table_schema || ':' || id;
        if octet_length(payload) > 7900 then payload := tg_table_schema; end if;
        perform pg_notify('oidc_account_changed', payload);
      end loop;
      return null;
    end;
    $$`.execute(db);
  // Inserts are not announced: a new account cannot be cached yet.
  await sql`
    create trigger users_notify_change after update or delete on users
    for each row execute function users_notify_change()`.execute(db);
  await sql`
    create trigger users_notify_truncate after truncate on users
    for each statement execute function users_notify_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists users_notify_truncate on users`.execute(db);
  await sql`drop trigger if exists users_notify_change on users`.execute(db);
  await sql`drop function if exists users_notify_change()`.execute(db);
}
