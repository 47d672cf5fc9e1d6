import { jest } from '@jest/globals';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { createDb, type DatabaseHandle } from '../../src/db/create-db.js';
import { DataDirLockedError } from '../../src/db/data-dir-lock.js';
import { EMBEDDED_SOCKET_PORT, embeddedSocketDir, embeddedSocketPath } from '../../src/db/embedded-socket-location.js';

// PGlite starts in a few seconds, slower on a loaded machine.

/**
 * The embedded database served over its local socket, driven with the
 * ordinary Postgres driver as the CLI uses it, while this process's own
 * Kysely queries (the server's) run on the same single session.
 */
describe('the embedded database served to local clients', () => {
  let dataDir: string;
  let config: Config;
  let server: DatabaseHandle;
  const clients: pg.Client[] = [];

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ host: embeddedSocketDir(dataDir), port: EMBEDDED_SOCKET_PORT, user: 'postgres', database: 'postgres' });
    client.on('error', () => {});
    clients.push(client);
    await client.connect();
    return client;
  }

  const values = async () => (await sql<{ v: string }>`select v from scratch order by v`.execute(server.db)).rows.map((row) => row.v);

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-socket-'));
    config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir });
    server = await createDb(config);
    await sql`create table scratch (v text primary key)`.execute(server.db);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(async () => { await sql`delete from scratch`.execute(server.db); });

  it('refuses a second opener, even the CLI, while the holder does not serve the folder', async () => {
    await expect(createDb(config)).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(createDb(config, { joinRunningServer: true })).rejects.toBeInstanceOf(DataDirLockedError);
  });

  it('serves a socket only its owner may open; a second server still refuses, the CLI joins', async () => {
    const socketPath = await server.serveLocalClients!();
    expect(socketPath).toBe(embeddedSocketPath(dataDir));
    expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
    expect((await stat(embeddedSocketDir(dataDir))).mode & 0o777).toBe(0o700);
    await expect(createDb(config)).rejects.toBeInstanceOf(DataDirLockedError);

    const cli = await createDb(config, { joinRunningServer: true });
    try {
      await sql`insert into scratch (v) values (${'from the cli'})`.execute(cli.db);
      expect(await values()).toEqual(['from the cli']);
    } finally {
      await cli.close();
    }
  });

  it('never runs the server\'s own query inside a client\'s transaction', async () => {
    const client = await connect();
    await client.query('begin');
    await client.query('insert into scratch (v) values ($1)', ['client, rolled back']);
    // Issued while the client's transaction is open: it must wait for its end, not join it.
    const own = sql`insert into scratch (v) values (${'server'})`.execute(server.db);
    await client.query('rollback');
    await own;
    expect(await values()).toEqual(['server']);
  });

  it('rolls back what a client left open when its connection drops, and hands the session on', async () => {
    const client = await connect();
    await client.query('begin');
    await client.query('insert into scratch (v) values ($1)', ['client, abandoned']);
    const own = sql`insert into scratch (v) values (${'server'})`.execute(server.db);
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await own;
    expect(await values()).toEqual(['server']);
  });

  it('answers errors inside a transaction and takes the session back on rollback', async () => {
    const client = await connect();
    await client.query('begin');
    await expect(client.query('insert into scratch (v) values ($1), ($1)', ['twice'])).rejects.toMatchObject({ code: '23505' });
    const own = sql`insert into scratch (v) values (${'server'})`.execute(server.db);
    await client.query('rollback');
    await own;
    await client.query('insert into scratch (v) values ($1)', ['client, committed']);
    expect(await values()).toEqual(['client, committed', 'server']);
    await client.end();
  });

  it('refuses a client whose DATABASE_SCHEMA differs from the server\'s', async () => {
    await expect(createDb(loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_SCHEMA: 'other' }), { joinRunningServer: true }))
      .rejects.toThrow(/DATABASE_SCHEMA=public/);
  });
});
