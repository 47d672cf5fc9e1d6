import { createHash } from 'node:crypto';
import type { AdapterPayload } from './adapter-types.js';

// The id of most models is itself the credential: an access or refresh token,
// a code, a session cookie value. Stores keep SHA-256 of it (base64url), so a
// database dump or a Redis dump hands out no live credential; the provider
// still looks entities up by the raw value it received, which we hash again.
// Client ids, grant ids and interaction uids are identifiers, not secrets
// (they travel in URLs and inside other payloads), so they stay readable for
// operators.
const PLAIN_ID_MODELS = new Set(['Client', 'Grant', 'Interaction']);

// DeviceCode keeps its raw jti inside the payload. findByUserCode() is the only
// way to reach a device code from the verification page, and
// lib/actions/code_verification.js then calls code.save(), which upserts under
// `this.jti`: without the jti in the payload it would mint a new id and the
// polling device would never see the approval. A user code cannot be turned
// back into the device code, so the raw value has to stay here. (Session has
// no such need: lib/models/session.js findByUid() callers — interaction
// lookups and checkSessionBinding() — only read accountId and
// authorizations, so its jti is stripped like every other model's.)
const KEEP_JTI_MODELS = new Set(['DeviceCode']);

function isHashedModel(model: string): boolean {
  return !PLAIN_ID_MODELS.has(model);
}

/** Whether the stored payload leaves the raw id (jti) out. */
function dropsJti(model: string): boolean {
  return isHashedModel(model) && !KEEP_JTI_MODELS.has(model);
}

export function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** The key an entity is stored under. */
export function storageId(model: string, id: string): string {
  return isHashedModel(model) ? hashId(id) : id;
}

/**
 * The payload as stored: without the raw id where the id is a credential, and
 * without `consumed`, which both stores keep beside the payload (a column, a
 * hash field) so that saving a loaded entity again cannot un-consume it.
 */
export function toStoredPayload(model: string, payload: AdapterPayload): AdapterPayload {
  if (dropsJti(model)) {
    const { consumed: _consumed, jti: _jti, ...stored } = payload;
    return stored;
  }
  const { consumed: _consumed, ...stored } = payload;
  return stored;
}

/**
 * The payload as oidc-provider expects it back, completed in place: `stored`
 * is freshly decoded (JSON.parse, the pg driver) and owned by the caller.
 * `id` is the raw id when the lookup was by id (find); by user code or uid it
 * is unknown, and the jti stays as stored. `consumed` is epoch seconds, when
 * the entity has been consumed.
 */
export function fromStoredPayload(model: string, stored: AdapterPayload, id: string | undefined, consumed: number | undefined): AdapterPayload {
  if (id !== undefined && dropsJti(model)) stored.jti = id;
  if (consumed !== undefined) stored.consumed = consumed;
  return stored;
}

/** oidc-provider sets epoch seconds; any other truthy value still means consumed, as in the memory adapter. */
export function consumedEpoch(consumed: unknown): number | null {
  if (typeof consumed === 'number') return consumed;
  return consumed ? Math.floor(Date.now() / 1000) : null;
}
