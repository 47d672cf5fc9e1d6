import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports src/.
//
// The OpenID Connect Core §5.1 claims beyond name and e-mail (given_name,
// family_name, …, picture, birthdate, zoneinfo, locale, phone_number,
// phone_number_verified, address) go into ONE jsonb object rather than a
// column each:
// - they are a document served as-is in ID tokens and userinfo, never
//   filtered, joined or indexed in SQL;
// - `address` is itself a JSON object (Core §5.1.1);
// - a claim added later (Core §5.1 lets providers extend the set) needs no
//   migration, and the users row stays narrow for the sign-in hot path.
// What a database CHECK per column would guard, the application's one zod
// schema guards on every write; the database still insists on an object.
// `name`, `email` and `email_verified` keep their existing columns.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('claims', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`).check(sql`jsonb_typeof(claims) = 'object'`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('claims').execute();
}
