/**
 * Group reads, the reading side of group-commit.ts: the first request goes
 * out after the current turn of the event loop (gathering what that turn
 * asked for), and requests that arrive while a statement is in flight leave
 * together in the next one. Each read still happens after its caller asked
 * and before the caller gets its answer. `run` settles every entry it is
 * given; an entry it throws for is rejected.
 */
export type GroupRun<Entry extends { reject(error: unknown): void }> = (batch: Entry[]) => Promise<void>;

export interface GroupReadOptions<Entry> {
  /** Entries per statement at most. */
  maxBatch?: number;
  /** Entries of one key never share a statement. */
  keyOf?: (entry: Entry) => string;
  /** Statements in flight at once (default 1: the most grouping). */
  maxInFlight?: number;
}

export function createGroupReads<Entry extends { reject(error: unknown): void }>(run: GroupRun<Entry>, options: GroupReadOptions<Entry> = {}): (entry: Entry) => void {
  const { maxBatch = 256, keyOf, maxInFlight = 1 } = options;
  let pending: Entry[] = [];
  let inFlight = 0;

  // With keyOf, entries of one key never share a statement (a conditional
  // UPDATE must see each caller on its own); a later one waits its turn.
  function take(): Entry[] {
    if (!keyOf) return pending.splice(0, maxBatch);
    const batch: Entry[] = [];
    const rest: Entry[] = [];
    const keys = new Set<string>();
    for (const entry of pending) {
      const key = keyOf(entry);
      if (batch.length < maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(entry);
      } else {
        rest.push(entry);
      }
    }
    pending = rest;
    return batch;
  }

  async function readAll(): Promise<void> {
    try {
      while (pending.length) {
        const batch = take();
        await run(batch).catch((error: unknown) => { for (const entry of batch) entry.reject(error); });
      }
    } finally {
      inFlight -= 1;
    }
  }

  return (entry) => {
    pending.push(entry);
    if (inFlight < maxInFlight) {
      inFlight += 1;
      queueMicrotask(() => { void readAll(); });
    }
  };
}
