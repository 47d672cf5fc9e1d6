import type { AdapterFactory, OidcAdapter } from './adapter-types.js';
import { storeFor, type StoreKind } from './store-routing.js';

export interface AdapterTiming {
  model: string;
  store: StoreKind;
  operation: keyof OidcAdapter;
  outcome: 'ok' | 'error';
}

/** Receives one observation per adapter call (metrics live in observability/, not here). */
export type AdapterTimer = (timing: AdapterTiming, seconds: number) => void;

const OPERATIONS: readonly (keyof OidcAdapter)[] = ['upsert', 'find', 'findByUserCode', 'findByUid', 'consume', 'destroy', 'revokeByGrantId'];

function timed(adapter: OidcAdapter, model: string, store: StoreKind, observe: AdapterTimer): OidcAdapter {
  const wrapped = {} as Record<keyof OidcAdapter, (...args: never[]) => Promise<unknown>>;
  for (const operation of OPERATIONS) {
    const call = adapter[operation].bind(adapter) as (...args: unknown[]) => Promise<unknown>;
    wrapped[operation] = async (...args: unknown[]) => {
      const started = process.hrtime.bigint();
      let outcome: AdapterTiming['outcome'] = 'error';
      try {
        const result = await call(...args);
        outcome = 'ok';
        return result;
      } finally {
        observe({ model, store, operation, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
  }
  return wrapped as unknown as OidcAdapter;
}

/**
 * Decorates an adapter factory so every call is timed per model, store and
 * operation; the adapters themselves stay free of instrumentation. An
 * `error` outcome includes expected ones (a lost consume race).
 */
export function withAdapterTiming(factory: AdapterFactory, hasRedis: boolean, observe: AdapterTimer): AdapterFactory {
  const cache = new Map<string, OidcAdapter>();
  return (model) => {
    let adapter = cache.get(model);
    if (!adapter) {
      adapter = timed(factory(model), model, storeFor(model, hasRedis), observe);
      cache.set(model, adapter);
    }
    return adapter;
  };
}
