import type { RedisClient } from '../src/redis/redis-client.js';
import { AlreadyConsumedError, ConsumeTargetMissingError, NotRedeemableError } from './already-consumed-error.js';
import type { AdapterFactory, AdapterPayload, OidcAdapter } from './adapter-types.js';
import { isDeviceCodeHandle, storageId, userCodeDigest } from './storage-id.js';
import { noReuseLeeway, type ReuseLeeway } from './refresh-reuse-leeway.js';
import { KeyedWrites, withAdapterScripts } from './redis-scripts.js';
import { consumedEpoch, fromStoredPayload, toStoredPayload, type Lookup } from './stored-payload.js';

// Models whose entities are listed under their grant, exactly the set the
// memory adapter keeps (lib/adapters/memory_adapter.js `grantable`).
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

type Fields = Record<string, string>;

const nowEpoch = () => Math.floor(Date.now() / 1000);

/**
 * Layout, per entity: a HASH `{prefix}{Model}:{storage id}` with `payload`
 * (JSON, sealed or stripped of secrets: stored-payload.ts), `consumed` (epoch
 * seconds, set once), `grantId`, `leeway` (seconds a consumed refresh token
 * may be consumed again, when its client has one) and `userCode` (the digest
 * a device code is indexed by). Beside it, a SET `{prefix}grant:{{grantId}}`
 * of member keys (hash tag: one slot per grant), and string indexes
 * `{prefix}userCode:{digest}` and `{prefix}sessionUid:{uid}` holding a
 * storage id. No key or value holds an id, user code or uid that is a secret.
 *
 * Redis Cluster: every command here touches one key, or goes through
 * KeyedWrites, which opens one MULTI per key when `isCluster` (a transaction
 * may not span hash slots). What Cluster loses is only the cross-key
 * atomicity of upsert/destroy; consume stays atomic (one key, one script).
 */
class RedisModelAdapter implements OidcAdapter {
  private readonly redis;

  constructor(redis: RedisClient, private readonly prefix: string, private readonly model: string, private readonly reuseLeeway: ReuseLeeway) {
    this.redis = withAdapterScripts(redis);
  }

  private entityKey(storedId: string): string {
    return `${this.prefix}${this.model}:${storedId}`;
  }

  private grantKey(grantId: string): string {
    return `${this.prefix}grant:{${grantId}}`;
  }

  private userCodeKey(digest: string): string {
    return `${this.prefix}userCode:${digest}`;
  }

  private sessionUidKey(uid: string): string {
    return `${this.prefix}sessionUid:${uid}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const storedId = storageId(this.model, id);
    const key = this.entityKey(storedId);
    const { consumed, grantId, userCode, uid } = payload;
    const ttlMs = typeof expiresIn === 'number' ? Math.max(1, Math.round(expiresIn * 1000)) : undefined;
    const leeway = this.reuseLeeway(this.model, payload);
    // One MULTI on a single node: one round trip, and no reader sees the
    // entity without its indexes (per-key MULTIs on Cluster, see KeyedWrites).
    const writes = new KeyedWrites(this.redis);
    const multi = writes.on(key);
    multi.hset(key, { payload: JSON.stringify(toStoredPayload(this.model, id, payload)), ...(grantId ? { grantId } : {}), ...(leeway > 0 ? { leeway: String(leeway) } : {}) });
    if (!grantId) multi.hdel(key, 'grantId');
    if (leeway <= 0) multi.hdel(key, 'leeway');
    // `consumed` lives in its own field, set once: re-saving a loaded entity
    // must never un-consume it.
    const consumedAt = consumedEpoch(consumed);
    if (consumedAt !== null) multi.hsetnx(key, 'consumed', String(consumedAt));
    if (ttlMs === undefined) multi.persist(key); else multi.pexpire(key, ttlMs);
    if (grantId && GRANTABLE.has(this.model)) {
      const grantKey = this.grantKey(grantId);
      const grantSet = writes.on(grantKey);
      grantSet.sadd(grantKey, key);
      // The set lives as long as its longest-lived member: NX gives a new set
      // its first expiry, GT only ever extends it (Redis ≥ 7).
      if (ttlMs === undefined) grantSet.persist(grantKey);
      else grantSet.pexpire(grantKey, ttlMs, 'NX').pexpire(grantKey, ttlMs, 'GT');
    }
    // A device code saved again after a lookup by id comes without its user
    // code (stored-payload.ts): its index and `userCode` field stay as they are.
    if (typeof userCode === 'string') {
      const digest = userCodeDigest(userCode);
      multi.hset(key, 'userCode', digest);
      this.setIndex(writes, this.userCodeKey(digest), storedId, ttlMs);
    }
    if (this.model === 'Session' && typeof uid === 'string') this.setIndex(writes, this.sessionUidKey(uid), storedId, ttlMs);
    await writes.exec();
  }

  private setIndex(writes: KeyedWrites, key: string, storedId: string, ttlMs: number | undefined): void {
    if (ttlMs === undefined) writes.on(key).set(key, storedId); else writes.on(key).set(key, storedId, 'PX', ttlMs);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.load(storageId(this.model, id), { by: 'id', id });
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const storedId = await this.redis.get(this.userCodeKey(userCodeDigest(userCode)));
    return storedId ? this.load(storedId, { by: 'userCode', userCode, storedId }) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const storedId = await this.redis.get(this.sessionUidKey(uid));
    return storedId ? this.load(storedId, { by: 'uid' }) : undefined;
  }

  private async load(storedId: string, lookup: Lookup): Promise<AdapterPayload | undefined> {
    const fields: Fields = await this.redis.hgetall(this.entityKey(storedId));
    if (!fields.payload) return undefined;
    let consumed = fields.consumed ? Number(fields.consumed) : undefined;
    // Within its reuse leeway a consumed refresh token reads as unconsumed
    // (the CONSUME script lets it be consumed again): see refresh-reuse-leeway.ts.
    const leeway = Number(fields.leeway ?? 0);
    if (consumed !== undefined && leeway > 0 && nowEpoch() - consumed < leeway) consumed = undefined;
    return fromStoredPayload(this.model, JSON.parse(fields.payload) as AdapterPayload, lookup, consumed);
  }

  async consume(id: string): Promise<void> {
    if (isDeviceCodeHandle(this.model, id)) throw new NotRedeemableError();
    const [outcome, grantId] = await this.redis.oidcConsume(this.entityKey(storageId(this.model, id)), nowEpoch());
    if (outcome === 'won') return;
    if (outcome === 'lost') throw new AlreadyConsumedError(grantId || undefined);
    throw new ConsumeTargetMissingError();
  }

  async destroy(id: string): Promise<void> {
    const storedId = storageId(this.model, id);
    const key = this.entityKey(storedId);
    const [json, grantId, userCode] = await this.redis.hmget(key, 'payload', 'grantId', 'userCode');
    const writes = new KeyedWrites(this.redis);
    writes.on(key).del(key);
    if (grantId && GRANTABLE.has(this.model)) writes.on(this.grantKey(grantId)).srem(this.grantKey(grantId), key);
    this.dropIndexes(writes, storedId, json, userCode);
    await writes.exec();
  }

  private dropIndexes(writes: KeyedWrites, storedId: string, json: string | null | undefined, userCode: string | null | undefined): void {
    const drop = (key: string) => writes.on(key).oidcDelIfEquals(key, storedId);
    if (userCode) drop(this.userCodeKey(userCode));
    if (this.model === 'Session' && json) {
      const { uid } = JSON.parse(json) as AdapterPayload;
      if (typeof uid === 'string') drop(this.sessionUidKey(uid));
    }
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = this.grantKey(grantId);
    const members = await this.redis.smembers(grantKey);
    // Single-key reads, sent together (ioredis writes them without waiting),
    // so they work on Cluster where members hash to different slots.
    const indexed = await Promise.all(members.map((member) => this.redis.hmget(member, 'payload', 'userCode')));
    // One DEL per key rather than one DEL of many keys: members hash to
    // different Cluster slots, and a multi-key DEL across slots is refused.
    const deletes = new KeyedWrites(this.redis);
    members.forEach((member, i) => {
      deletes.on(member).del(member);
      const [json, userCode] = indexed[i] ?? [];
      // Member keys end in the storage id (never containing ':'), which is what indexes hold.
      this.dropIndexes(deletes, member.slice(member.lastIndexOf(':') + 1), json, userCode);
    });
    deletes.on(grantKey).del(grantKey);
    await deletes.exec();
  }
}

/** Adapters keeping entities in Redis under keyPrefix; TTLs do the cleanup. */
export function createRedisAdapterFactory(redis: RedisClient, keyPrefix: string, reuseLeeway: ReuseLeeway = noReuseLeeway): AdapterFactory {
  return (modelName) => new RedisModelAdapter(redis, keyPrefix, modelName, reuseLeeway);
}
