import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports src/.
//
// Second factors, one row each, gone with their account (ON DELETE CASCADE):
// - webauthn_credentials: one passkey (WebAuthn public key credential); the
//   credential id is the key the browser sends back, the public key is COSE,
//   base64url. `counter` is the signature counter (WebAuthn §6.1.1), a uint32.
// - totp_secrets: the account's authenticator app (RFC 6238), at most one;
//   pending until confirmed with a first code. The secret is an AES-GCM
//   envelope when KEY_ENCRYPTION_SECRET is set (`encrypted`). `last_used_step`
//   is the last accepted time step, so a code is accepted once.
// - recovery_codes: one-time codes, only their SHA-256; `used_at` set once.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webauthn_credentials')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('account_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('public_key', 'text', (col) => col.notNull())
    .addColumn('counter', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('transports', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('device_type', 'text', (col) => col.notNull().check(sql`device_type in ('singleDevice', 'multiDevice')`))
    .addColumn('backed_up', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('webauthn_credentials_account_id_idx').on('webauthn_credentials').column('account_id').execute();

  await db.schema
    .createTable('totp_secrets')
    .addColumn('account_id', 'text', (col) => col.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('secret', 'text', (col) => col.notNull())
    .addColumn('encrypted', 'boolean', (col) => col.notNull())
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('last_used_step', 'bigint')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('account_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (col) => col.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('recovery_codes_account_hash_key').on('recovery_codes').columns(['account_id', 'code_hash']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['recovery_codes', 'totp_secrets', 'webauthn_credentials']) {
    await db.schema.dropTable(table).execute();
  }
}
