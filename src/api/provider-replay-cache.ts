import type Provider from 'oidc-provider';
import type { DpopReplayCache } from './dpop-proof.js';

type ReplayModel = { unique(iss: string, jti: string, exp: number): Promise<boolean> };

/**
 * DPoP proof ids seen by the example API, kept in oidc-provider's
 * ReplayDetection model — the same store (Redis, or SQL without REDIS_URL)
 * and expiry the provider uses for proofs at its own endpoints, namespaced by
 * the API so the two never collide. A separate service would use its own
 * store (e.g. Redis SET NX with an expiry).
 */
export function createProviderReplayCache(provider: Provider, namespace: string): DpopReplayCache {
  const model = (provider as unknown as { ReplayDetection: ReplayModel }).ReplayDetection;
  return { unique: (jti, expiresAt) => model.unique(`dpop-proof:${namespace}`, jti, expiresAt) };
}
