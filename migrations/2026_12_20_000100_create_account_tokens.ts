import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports src/.
//
// The links the account mails carry (password reset, e-mail verification, an
// e-mail change, an invitation). Only the SHA-256 of a token is stored, so a
// copy of the table opens nothing. A link is used once: consumed_at is set by
// one conditional UPDATE (… WHERE consumed_at IS NULL AND expires_at > now()),
// so of two concurrent uses exactly one wins. `email` is the address the link
// was sent to (for an e-mail change, the new address it confirms). Rows go
// with their account (ON DELETE CASCADE); the cleanup job removes expired and
// consumed ones.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('account_tokens')
    .addColumn('digest', 'text', (col) => col.primaryKey())
    .addColumn('purpose', 'text', (col) => col.notNull()
      .check(sql`purpose in ('password_reset', 'email_verification', 'email_change', 'invitation')`))
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'text')
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('consumed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('account_tokens_user_purpose_idx').on('account_tokens').columns(['user_id', 'purpose']).execute();
  await db.schema.createIndex('account_tokens_expires_at_idx').on('account_tokens').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('account_tokens').execute();
}
