import type { OidcAdapter } from './adapter-types.js';
import type { StoreKind } from './store-routing.js';

export interface AdapterTiming {
  model: string;
  store: StoreKind;
  operation: keyof OidcAdapter;
  outcome: 'ok' | 'error';
}

/**
 * Receives one observation per adapter call (metrics live in observability/,
 * not here). The timing object is shared between calls and frozen.
 */
export type AdapterTimer = (timing: AdapterTiming, seconds: number) => void;

const OPERATIONS: readonly (keyof OidcAdapter)[] = ['upsert', 'find', 'findByUserCode', 'findByUid', 'consume', 'destroy', 'revokeByGrantId'];

/**
 * The adapter with every call timed per model, store and operation; the
 * adapters themselves stay free of instrumentation. An `error` outcome
 * includes expected ones (a lost consume race).
 */
export function timedAdapter(adapter: OidcAdapter, model: string, store: StoreKind, observe: AdapterTimer): OidcAdapter {
  const wrapped = {} as Record<keyof OidcAdapter, (...args: never[]) => Promise<unknown>>;
  for (const operation of OPERATIONS) {
    const call = adapter[operation].bind(adapter) as (...args: unknown[]) => Promise<unknown>;
    // Built once per operation, not per call: every token, introspection and
    // userinfo request makes several adapter calls.
    const succeeded: AdapterTiming = Object.freeze({ model, store, operation, outcome: 'ok' });
    const failed: AdapterTiming = Object.freeze({ model, store, operation, outcome: 'error' });
    wrapped[operation] = async (...args: unknown[]) => {
      const started = process.hrtime.bigint();
      let timing = failed;
      try {
        const result = await call(...args);
        timing = succeeded;
        return result;
      } finally {
        observe(timing, Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
  }
  return wrapped as unknown as OidcAdapter;
}
