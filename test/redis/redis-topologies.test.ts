import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Cluster } from 'ioredis';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { createRedisAdapterFactory } from '../../adapters/redis-adapter.js';
import { storageId } from '../../adapters/storage-id.js';
import { describeAdapterContract } from '../adapters/adapter-contract.js';
import { startRedisServer, redisCli as cli } from '../support/redis-server.js';
import { TEST_REDIS_URL, uniqueName } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return err instanceof ConfigError ? err.problems : [String(err)];
  }
}

describe('Redis topology configuration', () => {
  it('accepts exactly one of REDIS_URL, REDIS_SENTINELS (+ REDIS_SENTINEL_NAME), REDIS_CLUSTER_NODES', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a.internal:7000, b.internal:7001' }).operations.redisTopology)
      .toEqual({ kind: 'cluster', nodes: [{ host: 'a.internal', port: 7000 }, { host: 'b.internal', port: 7001 }] });
    expect(loadConfig({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'main', REDIS_PASSWORD: 'pw' }).operations.redisTopology)
      .toEqual({ kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }], name: 'main', password: 'pw' });
    expect(loadConfig({}).operations.redisTopology).toEqual({ kind: 'none' });
    expect(problems({ REDIS_URL: 'redis://x:6379', REDIS_CLUSTER_NODES: 'a:7000' })).toEqual(['REDIS_URL, REDIS_CLUSTER_NODES: set only one Redis topology']);
    expect(problems({ REDIS_SENTINELS: 's1:26379' })).toEqual(['REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the monitored master name)']);
    expect(problems({ REDIS_CLUSTER_NODES: 'no-port' })).toEqual(['REDIS_CLUSTER_NODES: must be a comma-separated list of host:port']);
    expect(problems({ METRICS_PORT: '3000' })).toEqual(['METRICS_PORT: must differ from PORT']);
  });
});

describe('Redis Sentinel (a real sentinel watching the test Redis)', () => {
  let dir: string;
  let sentinel: ChildProcess;
  let port: number;
  const name = uniqueName('sentinel');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `${name}-`));
    // The sentinel watches the suite's own Redis (TEST_REDIS_URL), wherever it is.
    const primary = new URL(TEST_REDIS_URL);
    const conf = path.join(dir, 'sentinel.conf');
    ({ child: sentinel, port } = await startRedisServer(async (candidate) => {
      await writeFile(conf, `port ${candidate}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor ${name} ${primary.hostname} ${primary.port || 6379} 1\n`);
      return [conf, '--sentinel'];
    }));
  });
  afterAll(async () => {
    sentinel.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('connects to the primary the sentinels name and serves the adapters', async () => {
    const config = loadConfig({ REDIS_SENTINELS: `127.0.0.1:${port}`, REDIS_SENTINEL_NAME: name, REDIS_KEY_PREFIX: `${name}:` });
    const redis = createRedis(config)!;
    try {
      expect(await redis.ping()).toBe('PONG');
      const adapters = createRedisAdapterFactory(redis, config.redis.keyPrefix);
      const exp = Math.floor(Date.now() / 1000) + 60;
      await adapters('AuthorizationCode').upsert('code-1', { jti: 'code-1', grantId: 'g1', exp }, 60);
      await adapters('AuthorizationCode').consume('code-1');
      expect(await adapters('AuthorizationCode').find('code-1')).toMatchObject({ jti: 'code-1', consumed: expect.any(Number) });
      await adapters('AuthorizationCode').revokeByGrantId('g1');
      expect(await adapters('AuthorizationCode').find('code-1')).toBeUndefined();
    } finally {
      redis.disconnect();
    }
  });
});

describe('Redis Cluster (three real nodes)', () => {
  let dir: string;
  const nodes: ChildProcess[] = [];
  const ports: number[] = [];
  let cluster: Cluster;
  const prefix = `${uniqueName('cluster')}:`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'redis-cluster-'));
    for (let i = 0; i < 3; i += 1) {
      const node = await startRedisServer((port) => [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
        '--dir', dir, '--save', '', '--appendonly', 'no',
      ]);
      ports.push(node.port);
      nodes.push(node.child);
    }
    spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 20_000 });
    for (const port of ports) await waitFor(`cluster state on ${port}`, () => cli(port, 'cluster', 'info').includes('cluster_state:ok'));
    cluster = createRedis(loadConfig({ REDIS_CLUSTER_NODES: ports.map((port) => `127.0.0.1:${port}`).join(','), REDIS_KEY_PREFIX: prefix })) as Cluster;
    await waitFor('cluster client ready', () => cluster.status === 'ready');
  });

  afterAll(async () => {
    cluster?.disconnect();
    for (const node of nodes) node.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  // Every key of every master: the contract checks that no raw id is stored.
  async function dumpCluster(): Promise<string> {
    const entries: unknown[] = [];
    for (const node of cluster.nodes('master')) {
      const keys = await node.keys(`${prefix}*`);
      for (const key of keys) {
        const type = await node.type(key);
        entries.push([key, type === 'hash' ? await node.hgetall(key) : type === 'set' ? await node.smembers(key) : await node.get(key)]);
      }
    }
    return JSON.stringify(entries);
  }

  it('is a cluster whose adapter keys really spread over several nodes', async () => {
    const adapters = createRedisAdapterFactory(cluster, prefix);
    const exp = Math.floor(Date.now() / 1000) + 60;
    for (let i = 0; i < 20; i += 1) await adapters('DeviceCode').upsert(`dc-${i}`, { jti: `dc-${i}`, grantId: `g-${i}`, userCode: `CODE-${i}`, exp }, 60);
    const perNode = await Promise.all(cluster.nodes('master').map(async (node) => (await node.keys(`${prefix}*`)).length));
    expect(perNode.filter((count) => count > 0).length).toBeGreaterThan(1);
    // A user code finds its device code under a handle, never the device code itself (adapters/stored-payload.ts).
    expect(await adapters('DeviceCode').findByUserCode('CODE-3')).toMatchObject({ grantId: 'g-3', userCode: 'CODE-3' });
  });

  describeAdapterContract('Redis Cluster', () => ({
    factory: createRedisAdapterFactory(cluster, prefix),
    dump: dumpCluster,
    async remainingTtl(model, id) {
      const ms = await cluster.pttl(`${prefix}${model}:${storageId(model, id)}`);
      return ms < 0 ? null : ms / 1000;
    },
    async expireNow(model, id) {
      await cluster.pexpireat(`${prefix}${model}:${storageId(model, id)}`, Date.now() - 1000);
    },
  }));
});
