import pg from 'pg';
import { ClientRowCache } from './client-row-cache.js';
import type { RowCache } from './row-cache.js';

/** The channel migrations/2026_11_23_000400_notify_client_changes.ts notifies on. */
export const CLIENT_CHANGE_CHANNEL = 'oidc_client_changed';
/** The channel migrations/2026_12_24_000100_notify_account_changes.ts notifies on (users). */
export const ACCOUNT_CHANGE_CHANNEL = 'oidc_account_changed';

export interface ClientChangeListenerOptions {
  connectionString: string;
  /** The schema whose `clients` table this process reads; other schemas' changes are ignored. */
  schema: string;
  cache?: ClientRowCache;
  /**
   * More tables announced the same way ('<schema>:<id>' on their own channel),
   * each channel evicting its own cache (e.g. accounts on ACCOUNT_CHANGE_CHANNEL).
   */
  more?: ReadonlyArray<{ channel: string; cache: RowCache<object> }>;
  /** First wait before reconnecting, doubled up to 5 s. */
  retryMs?: number;
  /** How often the connection is checked with a query; no answer within half of it counts as lost. */
  heartbeatMs?: number;
  /** Told about lost connections (the cache has already been emptied). */
  onError?: (error: Error) => void;
}

export interface ClientChangeListener {
  readonly cache: ClientRowCache;
  /** application_name of the LISTEN connection, so operators (and tests) can find it in pg_stat_activity. */
  readonly applicationName: string;
  /** Resolves once LISTEN is in place (after the first connect or a reconnect); the cache is usable from then on. */
  listening(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps a ClientRowCache honest across processes and instances: one dedicated
 * connection (not from the pool: a pooled connection is handed to other
 * queries and its LISTEN would be lost on release) LISTENs for committed
 * client changes and evicts each changed id.
 *
 * Any doubt empties the cache and switches it off: before LISTEN is in place,
 * on a connection error or end, and on close. While off, every lookup reads
 * the database; it is switched back on only once LISTEN has been re-issued,
 * so a change committed while the connection was down can never be served
 * from a stale row. TCP keepalive makes a silently dead connection end.
 */
export function startClientChangeListener(options: ClientChangeListenerOptions): ClientChangeListener {
  const { connectionString, schema, retryMs = 100, heartbeatMs = 10_000, onError = () => {} } = options;
  const cache = options.cache ?? new ClientRowCache();
  const caches = new Map<string, RowCache<object>>([[CLIENT_CHANGE_CHANNEL, cache], ...(options.more ?? []).map(({ channel, cache: other }) => [channel, other] as const)]);
  // Every cache is on or off together: one connection hears all their channels.
  const resetAll = (usable: boolean) => { for (const each of caches.values()) each.reset(usable); };
  const applicationName = `client-changes:${schema}`.slice(0, 63);
  let closed = false;
  let current: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let delay = retryMs;
  let waiters: Array<() => void> = [];

  const onNotification = (message: pg.Notification): void => {
    const target = caches.get(message.channel);
    if (!target || message.payload === undefined) return;
    const separator = message.payload.indexOf(':');
    const changedSchema = separator < 0 ? message.payload : message.payload.slice(0, separator);
    if (changedSchema !== schema) return;
    if (separator < 0) target.reset(true);
    else target.evict(message.payload.slice(separator + 1));
  };

  const lost = (client: pg.Client, error: Error): void => {
    if (current !== client) return;
    current = undefined;
    resetAll(false);
    clearInterval(heartbeat);
    client.end().catch(() => {});
    if (closed) return;
    onError(error);
    retryTimer = setTimeout(connect, delay);
    retryTimer.unref();
    delay = Math.min(delay * 2, 5_000);
  };

  async function connect(): Promise<void> {
    retryTimer = undefined;
    if (closed) return;
    const client = new pg.Client({ connectionString, application_name: applicationName, keepAlive: true, connectionTimeoutMillis: 5_000 });
    current = client;
    client.on('notification', onNotification);
    client.on('error', (error) => lost(client, error));
    client.on('end', () => lost(client, new Error('client change listener: connection ended')));
    try {
      await client.connect();
      for (const channel of caches.keys()) await client.query(`listen ${channel}`);
    } catch (error) {
      lost(client, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (current !== client) return;
    delay = retryMs;
    // Rows cached before this point may have changed unheard: start empty.
    resetAll(true);
    startHeartbeat(client);
    for (const resolve of waiters) resolve();
    waiters = [];
  }

  // A connection cut without a FIN (a network partition) delivers no error
  // until TCP gives up; a query that goes unanswered finds it sooner.
  function startHeartbeat(client: pg.Client): void {
    heartbeat = setInterval(() => {
      const timeout = setTimeout(() => lost(client, new Error('client change listener: heartbeat timed out')), heartbeatMs / 2);
      timeout.unref();
      client.query('select 1').then(() => clearTimeout(timeout), (error: Error) => { clearTimeout(timeout); lost(client, error); });
    }, heartbeatMs);
    heartbeat.unref();
  }

  void connect();
  return {
    cache,
    applicationName,
    listening: () => (cache.isUsable ? Promise.resolve() : new Promise((resolve) => { waiters.push(resolve); })),
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(heartbeat);
      const client = current;
      current = undefined;
      resetAll(false);
      for (const resolve of waiters) resolve();
      waiters = [];
      await client?.end().catch(() => {});
    },
  };
}
