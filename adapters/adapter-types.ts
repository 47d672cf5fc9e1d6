import type { AdapterPayload as ProviderAdapterPayload } from 'oidc-provider';

/** What oidc-provider hands to upsert and expects back from the find* methods. */
export type AdapterPayload = ProviderAdapterPayload;

/**
 * oidc-provider's adapter interface (the `adapter` configuration option),
 * written with plain Promise results; lib/adapters/memory_adapter.js is the
 * behavioural reference every implementation follows.
 */
export interface OidcAdapter {
  /** expiresIn is in seconds; undefined means the entity does not expire (Client). */
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  /** Marks the entity consumed; at most one call per id succeeds. */
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** Called once per oidc-provider model name (AccessToken, Session, …). */
export type AdapterFactory = (modelName: string) => OidcAdapter;

/**
 * Client secrets are hashed by the clients module; the adapter only asks it,
 * so the hash format is decided in one place (src/clients/client-secret.ts).
 */
export interface ClientSecretCodec {
  hash(plain: string): Promise<string>;
  isHash(value: string): boolean;
}

export interface PollResult {
  /** The poll came sooner than `interval` after the previous one: answer slow_down. */
  slowDown: boolean;
  /** Seconds the device must now wait between polls. */
  interval: number;
}

/**
 * RFC 8628 §3.5: a device polling faster than its interval gets slow_down,
 * and its interval grows by 5 seconds "for all subsequent requests".
 * oidc-provider keeps no polling state, so it lives beside the device code,
 * keyed by the same storage id (SHA-256 of the device code). Always the
 * hash of what was polled with: a device-code handle (storage-id.ts) names no
 * poll state, so it cannot slow the real device down.
 */
export interface DevicePollTracker {
  record(deviceCode: string, baseIntervalSeconds: number, ttlSeconds: number, nowMs?: number): Promise<PollResult>;
}
