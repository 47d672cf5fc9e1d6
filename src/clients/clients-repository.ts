import { sql, type Kysely, type Transaction } from 'kysely';
import type { ClientSource, Database } from '../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export interface ClientRow {
  clientId: string;
  metadata: Record<string, unknown>;
  secretHash: string | null;
  source: ClientSource;
  ownerId: string | null;
  firstParty: boolean;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

function toRow(row: {
  client_id: string; metadata: Record<string, unknown>; secret_hash: string | null; source: ClientSource;
  owner_id: string | null; first_party: boolean; active: boolean; created_at: Date; updated_at: Date;
}): ClientRow {
  return {
    clientId: row.client_id, metadata: row.metadata, secretHash: row.secret_hash, source: row.source,
    ownerId: row.owner_id, firstParty: row.first_party, active: row.active, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

export async function findClientRow(db: Executor, clientId: string): Promise<ClientRow | undefined> {
  const row = await db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  return row ? toRow(row) : undefined;
}

export async function listClientRows(db: Executor, filter: { source?: ClientSource; ownerId?: string } = {}): Promise<ClientRow[]> {
  let query = db.selectFrom('clients').selectAll().orderBy('created_at');
  if (filter.source) query = query.where('source', '=', filter.source);
  if (filter.ownerId) query = query.where('owner_id', '=', filter.ownerId);
  return (await query.execute()).map(toRow);
}

export interface ClientWrite {
  clientId: string;
  metadata: Record<string, unknown>;
  secretHash: string | null;
  source: ClientSource;
  ownerId?: string | null;
  firstParty?: boolean;
  active?: boolean;
}

function toColumns(client: ClientWrite) {
  return {
    client_id: client.clientId,
    metadata: JSON.stringify(client.metadata),
    secret_hash: client.secretHash,
    source: client.source,
    owner_id: client.ownerId ?? null,
    first_party: client.firstParty ?? false,
    active: client.active ?? true,
  };
}

/** Inserts or replaces a client; created_at survives, updated_at moves. */
export async function upsertClientRow(db: Executor, client: ClientWrite): Promise<void> {
  const { client_id: _id, ...changes } = toColumns(client);
  await db.insertInto('clients').values(toColumns(client))
    .onConflict((oc) => oc.column('client_id').doUpdateSet({ ...changes, updated_at: new Date() }))
    .execute();
}

/** Inserts a new client; a taken client_id fails with the unique violation (Postgres code 23505). */
export async function insertClientRow(db: Executor, client: ClientWrite): Promise<void> {
  await db.insertInto('clients').values(toColumns(client)).execute();
}

export async function updateClientRow(db: Executor, clientId: string, changes: Partial<Pick<ClientWrite, 'metadata' | 'secretHash' | 'active' | 'firstParty'>>): Promise<boolean> {
  const result = await db.updateTable('clients').set({
    ...(changes.metadata ? { metadata: JSON.stringify(changes.metadata) } : {}),
    ...(changes.secretHash !== undefined ? { secret_hash: changes.secretHash } : {}),
    ...(changes.active !== undefined ? { active: changes.active } : {}),
    ...(changes.firstParty !== undefined ? { first_party: changes.firstParty } : {}),
    updated_at: new Date(),
  }).where('client_id', '=', clientId).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteClientRow(db: Executor, clientId: string): Promise<boolean> {
  const result = await db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface ClientSearch {
  /** The start of a client_id, or any part of its name (any case); empty lists every client. */
  query?: string;
  /** Keyset cursor: the client_id of the last row of the previous page. */
  after?: string;
  limit: number;
}

const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/**
 * One page of clients in client_id order (the primary key is the keyset). A
 * name is matched anywhere in it, which reads every row of the page's range:
 * fine for the hundreds to thousands of clients a server has, where users
 * number in the hundred thousands (their search is indexed).
 */
export async function searchClientRows(db: Executor, search: ClientSearch): Promise<ClientRow[]> {
  const query = (search.query ?? '').trim().toLowerCase();
  if (query.includes('\0') || (search.after ?? '').includes('\0')) return [];
  let select = db.selectFrom('clients').selectAll().orderBy('client_id').limit(search.limit);
  if (search.after !== undefined) select = select.where('client_id', '>', search.after);
  if (query) {
    select = select.where((eb) => eb.or([
      eb(sql<string>`lower(client_id)`, 'like', `${likeLiteral(query)}%`),
      eb(sql<string>`lower(metadata->>'client_name')`, 'like', `%${likeLiteral(query)}%`),
    ]));
  }
  return (await select.execute()).map(toRow);
}

export async function countClientRows(db: Executor): Promise<number> {
  const row = await db.selectFrom('clients').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
