import { sql, type Kysely } from 'kysely';

// Table per oidc-provider model, as it stood when this migration was written.
// `references` lists the foreign keys that hold for that model's rows.
const MODELS: Array<{ table: string; references: Array<'account' | 'client'> }> = [
  { table: 'oidc_grants', references: ['account', 'client'] },
  { table: 'oidc_sessions', references: ['account'] },
  { table: 'oidc_access_tokens', references: ['account', 'client'] },
  { table: 'oidc_refresh_tokens', references: ['account', 'client'] },
  { table: 'oidc_client_credentials', references: ['client'] },
  { table: 'oidc_registration_access_tokens', references: ['client'] },
  { table: 'oidc_authorization_codes', references: [] },
  { table: 'oidc_device_codes', references: [] },
  { table: 'oidc_interactions', references: [] },
  { table: 'oidc_pushed_authorization_requests', references: [] },
  { table: 'oidc_replay_detections', references: [] },
  { table: 'oidc_backchannel_authentication_requests', references: [] },
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const { table, references } of MODELS) {
    let builder = db.schema
      .createTable(table)
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('grant_id', 'text')
      .addColumn('uid', 'text')
      .addColumn('user_code', 'text')
      .addColumn('client_id', 'text', (col) => (references.includes('client')
        ? col.references('clients.client_id').onDelete('cascade')
        : col))
      .addColumn('account_id', 'text', (col) => (references.includes('account')
        ? col.references('users.id').onDelete('cascade')
        : col))
      .addColumn('payload', 'jsonb', (col) => col.notNull())
      .addColumn('expires_at', 'timestamptz')
      .addColumn('consumed_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`));
    if (table === 'oidc_device_codes') {
      builder = builder
        .addColumn('last_polled_at', 'timestamptz')
        .addColumn('poll_interval', 'integer');
    }
    await builder.execute();
    await db.schema.createIndex(`${table}_grant_id_idx`).on(table).column('grant_id').where('grant_id', 'is not', null).execute();
    await db.schema.createIndex(`${table}_client_id_idx`).on(table).column('client_id').execute();
    await db.schema.createIndex(`${table}_account_id_idx`).on(table).column('account_id').where('account_id', 'is not', null).execute();
    await db.schema.createIndex(`${table}_expires_at_idx`).on(table).column('expires_at').execute();
  }
  await db.schema.createIndex('oidc_sessions_uid_key').on('oidc_sessions').column('uid').unique().execute();
  await db.schema.createIndex('oidc_device_codes_user_code_key').on('oidc_device_codes').column('user_code').unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const { table } of [...MODELS].reverse()) {
    await db.schema.dropTable(table).execute();
  }
}
