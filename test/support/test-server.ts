import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/load-config.js';
import { startBackground } from '../../src/compose/background.js';
import { createServerApp, type ServerApp } from '../../src/compose/create-server-app.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ClientDefinitionInput } from '../../src/clients/client-definition.js';
import type { ResourceServerDefinitionInput } from '../../src/scopes/resource-server-definition.js';
import { hashClientSecret } from '../../src/clients/client-secret.js';
import { upsertClientRow } from '../../src/clients/clients-repository.js';
import { createTestStores, type StoreKind, type TestStores } from './test-stores.js';

export interface TestServer {
  readonly issuer: string;
  readonly app: ServerApp;
  readonly stores: TestStores;
  readonly server: Server;
  /** Stops listening and drops every store this server created (unless kept for a restart). */
  close(options?: { keepStores?: boolean }): Promise<void>;
}

/**
 * The assembled application on 127.0.0.1 with an issuer that matches its real
 * port. Pass `stores` to start a second instance (or a restart) on the same
 * schema and key prefix.
 */
export async function startTestServer(label: string, options: { kind?: StoreKind; env?: Record<string, string>; stores?: TestStores; port?: number; clients?: ClientDefinitionInput[]; resourceServers?: ResourceServerDefinitionInput[]; logDestination?: NodeJS.WritableStream; issuerHost?: 'localhost' } = {}): Promise<TestServer> {
  const stores = options.stores ?? await createTestStores(label, options.kind ?? 'postgres+redis', options.env);
  const server = createServer();
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  // `localhost` for WebAuthn, which refuses IP-address origins (WebAuthn §5.1.3); still served on 127.0.0.1.
  const issuer = `http://${options.issuerHost ?? '127.0.0.1'}:${port}`;
  const config = loadConfig({ ...stores.env, ...options.env, ISSUER: issuer, PORT: String(port) });
  // A log destination (tests that read the logs) gets everything down to trace.
  const logger = options.logDestination ? createLogger({ level: 'trace', destination: options.logDestination }) : createLogger({ level: 'silent' });
  // What main.ts opens beside the app: the LISTEN connection behind the row caches, the cleanup timer.
  const background = startBackground(config, stores.handle.db, logger);
  const app = await createServerApp({
    config, database: stores.handle, redis: stores.redis, logger, caches: background.caches, clients: options.clients, resourceServers: options.resourceServers,
  }).catch(async (err: unknown) => {
    await background.close();
    throw err;
  });
  server.on('request', app.callback());
  return {
    issuer,
    app,
    stores,
    server,
    async close({ keepStores = false } = {}) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => { server.close(() => resolve()); });
      await background.close();
      await app.close();
      if (!keepStores) await stores.cleanup();
    },
  };
}

export interface TestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris?: string[];
  [key: string]: unknown;
}

/** Stores a client the way every registration path does: metadata plus a hashed secret. */
export async function addTestClient(stores: TestStores, metadata: TestClient): Promise<void> {
  const { client_secret: secret, ...rest } = metadata;
  await upsertClientRow(stores.handle.db, {
    clientId: metadata.client_id,
    metadata: rest,
    secretHash: secret ? await hashClientSecret(secret) : null,
    // Not 'code': the boot-time sync would disable a code client missing from the catalog.
    source: 'cli',
  });
}
