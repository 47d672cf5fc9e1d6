/**
 * The blocks this instance knows of, each with its expiry, in process memory.
 * It only ever answers "maybe blocked, ask the store" (the store is the
 * authority: a block deleted there early is lifted at the next request) or
 * "not blocked here", which costs nothing. Bounded so that an attacker with
 * many addresses cannot grow it without limit: past `maxEntries` the expired
 * entries go first, then the oldest; a forgotten block is learnt again at that
 * key's next failure.
 */
export interface KnownBlocks {
  has(key: string): boolean;
  /** Remembers a block for `ms` from now (replacing an earlier expiry). */
  add(key: string, ms: number): void;
  remove(key: string): void;
  /** Milliseconds left on a known block; 0 when none. */
  remaining(key: string): number;
}

export function createKnownBlocks(options: { maxEntries?: number; now?: () => number } = {}): KnownBlocks {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const expiries = new Map<string, number>();

  function remaining(key: string): number {
    const expiry = expiries.get(key);
    if (expiry === undefined) return 0;
    const left = expiry - now();
    if (left > 0) return left;
    expiries.delete(key);
    return 0;
  }

  function makeRoom(): void {
    const at = now();
    for (const [key, expiry] of expiries) if (expiry <= at) expiries.delete(key);
    // Map iteration follows insertion order: the oldest blocks are dropped first.
    for (const key of expiries.keys()) {
      if (expiries.size < maxEntries) break;
      expiries.delete(key);
    }
  }

  return {
    has: (key) => remaining(key) > 0,
    add(key, ms) {
      expiries.delete(key);
      if (expiries.size >= maxEntries) makeRoom();
      expiries.set(key, now() + ms);
    },
    remove: (key) => { expiries.delete(key); },
    remaining,
  };
}
