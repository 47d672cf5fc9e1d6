/**
 * Preloaded into each benchmarked server (`node --import`): counts the
 * statements it sends to Postgres (pg Client#query, one round trip each) and
 * the commands it sends to Redis (ioredis sendCommand; auto-pipelining may
 * carry several in one write), and answers the parent's `counters` message
 * over the IPC channel. Counting happens beside the server's own code, never
 * in it; a worker process (WORKERS=N) is not counted.
 */
import cluster from 'node:cluster';
import pg from 'pg';
import { Redis } from 'ioredis';

const counts = { postgres: 0, redis: 0 };
// Statement shapes (the first words of the SQL, or the Redis command), for BENCH_COUNT_DETAIL=1.
const detail = new Map<string, number>();
const detailed = process.env.BENCH_COUNT_DETAIL === '1';
const note = (shape: string) => { if (detailed) detail.set(shape, (detail.get(shape) ?? 0) + 1); };
const shapeOf = (text: unknown) => (typeof text === 'string' ? text : '').replace(/\s+/g, ' ').slice(0, 60);

type Query = (this: pg.Client, ...args: unknown[]) => unknown;
const query = pg.Client.prototype.query as unknown as Query;
(pg.Client.prototype as unknown as { query: Query }).query = function counted(this: pg.Client, ...args: unknown[]) {
  counts.postgres += 1;
  note(`pg ${shapeOf(typeof args[0] === 'object' && args[0] !== null ? (args[0] as { text?: unknown }).text : args[0])}`);
  return query.apply(this, args);
};

type Send = (this: Redis, ...args: unknown[]) => unknown;
const send = Redis.prototype.sendCommand as unknown as Send;
(Redis.prototype as unknown as { sendCommand: Send }).sendCommand = function counted(this: Redis, ...args: unknown[]) {
  counts.redis += 1;
  note(`redis ${(args[0] as { name?: string } | undefined)?.name ?? '?'}`);
  return send.apply(this, args);
};

process.on('message', (message: unknown) => {
  if (message === 'counters') process.send?.({ counters: { ...counts, ...(detailed ? { detail: Object.fromEntries(detail) } : {}) } });
});
// The IPC channel must not keep the primary alive once it is stopping (a
// cluster worker's channel belongs to node:cluster and is left alone).
if (!cluster.isWorker) process.channel?.unref();
