/**
 * Preloaded into each benchmarked server (`node --import`): counts the
 * statements it sends to Postgres (pg Client#query, one round trip each) and
 * the commands it sends to Redis (ioredis sendCommand; auto-pipelining may
 * carry several in one write), and answers the parent's `counters` message
 * over the IPC channel. Counting happens beside the server's own code, never
 * in it; a worker process (WORKERS=N) is not counted.
 */
import pg from 'pg';
import { Redis } from 'ioredis';

const counts = { postgres: 0, redis: 0 };

type Query = (this: pg.Client, ...args: unknown[]) => unknown;
const query = pg.Client.prototype.query as unknown as Query;
(pg.Client.prototype as unknown as { query: Query }).query = function counted(this: pg.Client, ...args: unknown[]) {
  counts.postgres += 1;
  return query.apply(this, args);
};

type Send = (this: Redis, ...args: unknown[]) => unknown;
const send = Redis.prototype.sendCommand as unknown as Send;
(Redis.prototype as unknown as { sendCommand: Send }).sendCommand = function counted(this: Redis, ...args: unknown[]) {
  counts.redis += 1;
  return send.apply(this, args);
};

process.on('message', (message: unknown) => {
  if (message === 'counters') process.send?.({ counters: { ...counts } });
});
// The IPC channel must not keep the primary alive once it is stopping (a
// cluster worker's channel belongs to node:cluster and is left alone).
if (!process.env.NODE_UNIQUE_ID) process.channel?.unref();
