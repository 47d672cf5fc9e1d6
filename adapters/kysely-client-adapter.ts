import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema.js';
import type { AdapterPayload, ClientSecretCodec, OidcAdapter } from './adapter-types.js';
import type { ClientRowCache } from './client-row-cache.js';
import { prepareQuery, slot } from './prepared-query.js';

/**
 * oidc-provider's Client model over the `clients` table. The provider writes
 * here only for dynamic registration (lib/helpers/add_client.js upserts
 * client.metadata(); registration DELETE destroys); clients defined in code
 * or by the CLI are written by src/clients and only read through here.
 */
/**
 * The request being served (oidc-provider's `Provider.ctx`), or undefined
 * outside one. Lookups are remembered for that request only.
 */
export type RequestScope = () => object | undefined;

type Found = Promise<AdapterPayload | undefined>;

export class KyselyClientAdapter implements OidcAdapter {
  // Every token, introspection and userinfo request looks its client up:
  // compiled once (prepared-query.ts).
  private readonly findActive;
  // One request may load the same client twice (introspection: the caller,
  // then the token's client in lib/actions/introspection.js). The second
  // lookup reuses the first; nothing outlives the request, so disabling a
  // client still takes effect from the very next request, on every instance.
  private readonly perRequest = new WeakMap<object, Map<string, Found>>();

  // Across requests, rows are kept only in a cache that change notifications
  // keep honest (client-row-cache.ts, client-change-listener.ts); without one,
  // every request reads the table.
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: ClientSecretCodec,
    private readonly scope: RequestScope = () => undefined,
    private readonly cache?: ClientRowCache,
  ) {
    this.findActive = prepareQuery(db, db.selectFrom('clients')
      .select(['metadata', 'secret_hash'])
      .where('client_id', '=', slot('id'))
      .where('active', '=', true));
  }

  async upsert(id: string, payload: AdapterPayload): Promise<void> {
    const { client_secret: secret, client_id: _clientId, ...metadata } = payload as Record<string, unknown>;
    // find() hands the provider the stored hash as client_secret, so a loaded
    // client saved again arrives with a hash: hashing it again would lock the
    // client out.
    let secretHash: string | null = null;
    if (typeof secret === 'string' && secret.length > 0) {
      secretHash = this.secrets.isHash(secret) ? secret : await this.secrets.hash(secret);
    }
    await this.db.insertInto('clients')
      .values({ client_id: id, metadata: JSON.stringify(metadata), secret_hash: secretHash, source: 'registration' })
      // Who created the client (source, owner, first_party, active) is not the
      // provider's to change.
      .onConflict((oc) => oc.column('client_id').doUpdateSet((eb) => ({
        metadata: eb.ref('excluded.metadata'),
        secret_hash: eb.ref('excluded.secret_hash'),
        updated_at: sql<Date>`now()`,
      })))
      .execute();
    this.forget(id);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    // A client id with NUL (a Basic header, a JWT's iss or aud) names no
    // client, and Postgres text refuses it with an error (issue 16 item 7).
    if (id.includes('\0')) return undefined;
    const request = this.scope();
    if (!request) return this.load(id);
    let seen = this.perRequest.get(request);
    if (!seen) this.perRequest.set(request, seen = new Map());
    let found = seen.get(id);
    if (!found) seen.set(id, found = this.load(id));
    const payload = await found;
    // A copy each time: the provider may keep or alter what it is given.
    return payload && { ...payload };
  }

  // After a write: the trigger's notification will evict the row too, but this
  // process need not wait for it. Evicting after (not before) the write is what
  // counts: the eviction also refuses rows a lookup read before it
  // (client-row-cache.ts, begin/store).
  private forget(id: string): void {
    this.cache?.evict(id);
    const request = this.scope();
    if (request) this.perRequest.get(request)?.delete(id);
  }

  private async load(id: string): Promise<AdapterPayload | undefined> {
    const cached = this.cache?.get(id);
    if (cached) return cached;
    const ticket = this.cache?.begin();
    const [row] = (await this.findActive({ id })).rows;
    // Unknown and disabled ids are not cached: see client-row-cache.ts.
    if (!row) return undefined;
    // The hash stands in for the secret; create-provider.ts replaces
    // Client#compareClientSecret with hash verification.
    const payload = {
      ...row.metadata,
      client_id: id,
      ...(row.secret_hash === null ? {} : { client_secret: row.secret_hash }),
    } as AdapterPayload;
    if (ticket !== undefined) this.cache?.store(id, payload, ticket);
    return payload;
  }

  async destroy(id: string): Promise<void> {
    await this.db.deleteFrom('clients').where('client_id', '=', id).execute();
    this.forget(id);
  }

  // Clients are neither looked up by user code or uid, consumed, nor grouped
  // by grant; the provider never calls these for the Client model.
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {
    throw new Error('the Client model cannot be consumed');
  }

  async revokeByGrantId(): Promise<void> {}
}
