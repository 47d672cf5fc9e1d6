/**
 * The embedded database has exactly one session. Everything that talks to it
 * (the server's own Kysely queries, and CLI connections served over the local
 * socket) takes turns through one queue: a holder has the session alone until
 * it releases it, so nobody's statement ever lands inside another holder's
 * transaction or between its Parse and Sync. Callers are served in arrival
 * order.
 */
export class SessionQueue {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves once the session is this caller's; call the result exactly once to hand it on. */
  async acquire(): Promise<() => void> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => { release = resolve; });
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }
}
