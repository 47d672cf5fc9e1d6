import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../src/redis/redis-client.js';

// Lua scripts run atomically on the Redis server. Each touches one key, so
// they also run on Redis Cluster. None of them decodes and re-encodes the
// JSON payload: cjson would turn an empty array into an empty object.

// HSETNX decides the race: exactly one caller sets `consumed`. Within the
// entity's reuse leeway (`leeway` seconds after the first consume, refresh
// tokens of clients that set one) later callers win too, and the first
// consume time is kept. ARGV[1] = now, epoch seconds.
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
local won = redis.call('HSETNX', KEYS[1], 'consumed', ARGV[1])
local grantId = redis.call('HGET', KEYS[1], 'grantId') or ''
if won == 1 then return {'won', grantId} end
local leeway = tonumber(redis.call('HGET', KEYS[1], 'leeway') or '0') or 0
local consumed = tonumber(redis.call('HGET', KEYS[1], 'consumed'))
if leeway > 0 and consumed and tonumber(ARGV[1]) - consumed < leeway then return {'won', grantId} end
return {'lost', grantId}
`;

// Removes a secondary index only while it still points at the entity being
// removed; a newer entity may have taken the user code or uid over.
const DEL_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

// RFC 8628 §3.5 polling: ARGV = now (ms), base interval (s), ttl (s). `now`
// is stored as received (a string), never through Lua number formatting.
const RECORD_POLL = `
local last = redis.call('HGET', KEYS[1], 'last')
local interval = tonumber(redis.call('HGET', KEYS[1], 'interval') or ARGV[2])
local slow = 0
if last and (tonumber(ARGV[1]) - tonumber(last)) < interval * 1000 then
  slow = 1
  interval = interval + 5
end
redis.call('HSET', KEYS[1], 'last', ARGV[1], 'interval', interval)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 1000)
return {slow, interval}
`;

export type ConsumeOutcome = 'won' | 'lost' | 'missing';

interface ScriptCommands {
  oidcConsume(key: string, nowEpoch: number): Promise<[ConsumeOutcome, string]>;
  oidcRecordPoll(key: string, nowMs: number, baseInterval: number, ttlSeconds: number): Promise<[number, number]>;
}

interface PipelineScriptCommands {
  oidcDelIfEquals(key: string, value: string): ChainableCommander;
}

const defined = new WeakSet<RedisClient>();

/** Registers the scripts on this connection (once) and returns it typed with them. */
export function withAdapterScripts<T extends RedisClient>(redis: T): T & ScriptCommands {
  if (!defined.has(redis)) {
    redis.defineCommand('oidcConsume', { numberOfKeys: 1, lua: CONSUME });
    redis.defineCommand('oidcDelIfEquals', { numberOfKeys: 1, lua: DEL_IF_EQUALS });
    redis.defineCommand('oidcRecordPoll', { numberOfKeys: 1, lua: RECORD_POLL });
    defined.add(redis);
  }
  return redis as T & ScriptCommands;
}

/** A pipeline or MULTI with the compare-and-delete script available. */
function scripted(chain: ChainableCommander): ChainableCommander & PipelineScriptCommands {
  return chain as ChainableCommander & PipelineScriptCommands;
}

/** exec() reports per-command errors in its result instead of rejecting. */
async function execOrThrow(chain: ChainableCommander): Promise<unknown[]> {
  const results = await chain.exec();
  if (!results) throw new Error('redis transaction aborted');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/**
 * Write commands grouped by the key they touch. On a single node (or a
 * Sentinel-managed primary) every group shares one MULTI: one round trip, and
 * no reader sees an entity without its indexes. Redis Cluster refuses a
 * transaction whose keys hash to different slots (CROSSSLOT), so there each
 * key gets its own MULTI: every key stays internally consistent, but a reader
 * may briefly see an entity before its grant set or user-code index.
 */
export class KeyedWrites {
  private readonly shared: ChainableCommander | undefined;
  private readonly perKey = new Map<string, ChainableCommander>();

  constructor(private readonly redis: RedisClient) {
    this.shared = redis.isCluster ? undefined : redis.multi();
  }

  /** The transaction that commands on `key` go into (with the adapter scripts available). */
  on(key: string): ChainableCommander & PipelineScriptCommands {
    if (this.shared) return scripted(this.shared);
    let chain = this.perKey.get(key);
    if (!chain) {
      chain = this.redis.multi();
      this.perKey.set(key, chain);
    }
    return scripted(chain);
  }

  async exec(): Promise<void> {
    if (this.shared) {
      await execOrThrow(this.shared);
      return;
    }
    await Promise.all([...this.perKey.values()].map(execOrThrow));
  }
}
