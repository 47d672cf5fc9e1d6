/**
 * Waits until `check` holds, polling; never a fixed duration. The bound is a
 * safety net for a broken build, far above what a loaded machine needs, so a
 * slow run waits longer instead of failing.
 */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, options: { timeoutMs?: number; everyMs?: number } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => { setTimeout(resolve, options.everyMs ?? 25); });
  }
}
