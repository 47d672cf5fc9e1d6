import type { ModelName } from '../src/db/schema.js';

export type StoreKind = 'sql' | 'redis';

/** Every model with an oidc_* table, plus the ones oidc-provider may ask for without one. */
type RoutedModel = ModelName | 'Client' | 'InitialAccessToken' | 'PreAuthorizedCode';

/**
 * Where each oidc-provider model lives (DESIGN.md, "Storage split"): what
 * must survive restarts and be queried by user or client goes to SQL; what
 * lives seconds to minutes goes to Redis, whose TTL does the cleanup.
 * `satisfies` makes the map exhaustive (a table added to MODEL_TABLES
 * without a route fails to compile), and modelStore() refuses any other name, so a model added by a future
 * oidc-provider release fails loudly instead of landing in the wrong store.
 */
const MODEL_STORES = {
  Client: 'sql',
  Grant: 'sql',
  Session: 'sql',
  AccessToken: 'sql',
  RefreshToken: 'sql',
  ClientCredentials: 'sql',
  RegistrationAccessToken: 'sql',
  // Long-lived like the registration access token it is exchanged for. It is
  // only adapter-backed when features.registration.initialAccessToken is
  // `true` (we configure a string); there is no table for it yet, so the SQL
  // adapter factory refuses it with a clear error.
  InitialAccessToken: 'sql',
  AuthorizationCode: 'redis',
  DeviceCode: 'redis',
  Interaction: 'redis',
  PushedAuthorizationRequest: 'redis',
  ReplayDetection: 'redis',
  BackchannelAuthenticationRequest: 'redis',
  // OpenID4VCI pre-authorized code: single use and short-lived like an
  // authorization code. Only reachable when that grant type is enabled.
  PreAuthorizedCode: 'redis',
} as const satisfies Record<RoutedModel, StoreKind>;

type KnownModelName = keyof typeof MODEL_STORES;

function isKnownModel(model: string): model is KnownModelName {
  return Object.hasOwn(MODEL_STORES, model);
}

/** The store a model is meant for, regardless of what is configured. */
function modelStore(model: string): StoreKind {
  if (!isKnownModel(model)) {
    throw new Error(`no storage route for oidc-provider model "${model}"; add it to adapters/store-routing.ts`);
  }
  return MODEL_STORES[model];
}

/** Without Redis (no REDIS_URL) every model goes to SQL (DESIGN.md). */
export function storeFor(model: string, hasRedis: boolean): StoreKind {
  const store = modelStore(model);
  return hasRedis ? store : 'sql';
}
