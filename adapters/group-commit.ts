/**
 * Group commit for writes that arrive together (PostgreSQL's own group commit
 * works inside the WAL writer; this one saves the round trips before it). The
 * first row goes out at once; rows that arrive while a statement is in flight
 * wait and leave together in the next one, as one multi-row statement. Every
 * caller's promise settles only when the statement holding its row has
 * committed, so nothing is acknowledged before it is durable: 16 concurrent
 * token requests cost a few round trips instead of 16.
 *
 * A failed batch (one row breaking a constraint, say) is retried row by row,
 * so each caller gets its own row's outcome, exactly as without grouping.
 */
export interface GroupCommitOptions<Row> {
  /** Writes rows in one statement (one implicit transaction). */
  writeMany(rows: readonly Row[]): Promise<void>;
  /** Writes one row; used for a lone row and to retry a failed batch. */
  writeOne(row: Row): Promise<void>;
  /**
   * Rows with the same key never share a statement (`ON CONFLICT DO UPDATE`
   * cannot touch one row twice); a later one waits for the next batch.
   */
  keyOf(row: Row): string;
  /** Rows per statement at most. */
  maxBatch?: number;
}

interface Pending<Row> {
  row: Row;
  resolve(): void;
  reject(error: unknown): void;
}

export type GroupCommit<Row> = (row: Row) => Promise<void>;

export function createGroupCommit<Row>({ writeMany, writeOne, keyOf, maxBatch = 64 }: GroupCommitOptions<Row>): GroupCommit<Row> {
  let queue: Pending<Row>[] = [];
  let flushing = false;

  function takeBatch(): Pending<Row>[] {
    const batch: Pending<Row>[] = [];
    const rest: Pending<Row>[] = [];
    const keys = new Set<string>();
    for (const pending of queue) {
      const key = keyOf(pending.row);
      if (batch.length < maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(pending);
      } else {
        rest.push(pending);
      }
    }
    queue = rest;
    return batch;
  }

  async function writeBatch(batch: Pending<Row>[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch;
      await writeOne(only.row).then(only.resolve, only.reject);
      return;
    }
    try {
      await writeMany(batch.map((pending) => pending.row));
      for (const pending of batch) pending.resolve();
    } catch {
      // Nothing of a failed statement was committed: each row on its own.
      await Promise.all(batch.map((pending) => writeOne(pending.row).then(pending.resolve, pending.reject)));
    }
  }

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (queue.length) await writeBatch(takeBatch());
    } finally {
      flushing = false;
    }
  }

  return (row) => new Promise<void>((resolve, reject) => {
    queue.push({ row, resolve, reject });
    if (!flushing) void flush();
  });
}
