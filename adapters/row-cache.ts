/** What a lookup that missed the cache must hand back to store(). */
export type CacheTicket = number;

/**
 * Rows kept between requests so hot-path requests skip a SQL round trip:
 * active client rows (client-row-cache.ts) and active accounts' claims.
 *
 * The cache is only as good as its invalidation: it is usable only while a
 * listener (client-change-listener.ts) is subscribed to the table's change
 * notifications. Until the listener says so, after it loses its connection and
 * after close, get() misses and store() keeps nothing, so every lookup goes to
 * the database and a notification missed while disconnected cannot leave a
 * stale row behind.
 *
 * Only rows found active are kept; unknown ids are not, so requests with
 * random ids cannot fill it. Bounded: the least recently used row
 * leaves first. A row is also forgotten after maxAgeMs, a backstop for the one
 * failure notifications cannot reveal: a connection that died silently and has
 * not yet been found dead by the listener's heartbeat.
 */
export class RowCache<Row extends object> {
  // Kept as JSON text: every get() must hand out a deep copy (the provider may
  // alter what it is given, nested arrays included), and parsing the text is
  // about twice as fast as structuredClone of the object. Rows come from JSONB
  // columns, so the text round trip loses nothing.
  private readonly rows = new Map<string, { json: string; storedAt: number }>();
  private usable = false;
  // Bumped by every eviction. A lookup that read the database before a change
  // committed may finish after the notification arrived; its (old) row must
  // not be kept, so store() refuses rows whose lookup began before a bump.
  private generation = 0;

  constructor(private readonly maxEntries = 10_000, private readonly maxAgeMs = 60_000) {}

  get size(): number {
    return this.rows.size;
  }

  get isUsable(): boolean {
    return this.usable;
  }

  get(id: string): Row | undefined {
    if (!this.usable) return undefined;
    const entry = this.rows.get(id);
    if (!entry) return undefined;
    // Map order is insertion order: re-inserting makes it most recently used.
    this.rows.delete(id);
    if (performance.now() - entry.storedAt > this.maxAgeMs) return undefined;
    this.rows.set(id, entry);
    return JSON.parse(entry.json) as Row;
  }

  /** Call before reading the database; pass the result to store(). */
  begin(): CacheTicket {
    return this.generation;
  }

  store(id: string, row: Row, ticket: CacheTicket): void {
    if (!this.usable || ticket !== this.generation) return;
    if (!this.rows.has(id) && this.rows.size >= this.maxEntries) {
      const oldest = this.rows.keys().next().value;
      if (oldest !== undefined) this.rows.delete(oldest);
    }
    this.rows.set(id, { json: JSON.stringify(row), storedAt: performance.now() });
  }

  /** A row changed (or may have): forget it. */
  evict(id: string): void {
    this.generation += 1;
    this.rows.delete(id);
  }

  /** Forget everything; usable says whether changes are being heard from now on. */
  reset(usable: boolean): void {
    this.generation += 1;
    this.rows.clear();
    this.usable = usable;
  }
}
