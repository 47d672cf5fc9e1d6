import type { AdapterPayload } from './adapter-types.js';
import { deviceCodeHandle, dropsJti } from './storage-id.js';
import { seal, unseal } from './payload-seal.js';

// Short-lived models whose whole payload is sealed under the entity's raw id
// (payload-seal.ts). Their payloads carry secrets besides the id: an
// Interaction holds the session cookie value, the pushed request's id
// (parJti), the device code it approves and its own uid inside returnTo; a
// code holds the PKCE challenge and nonce. Sealing every field also covers
// fields a later oidc-provider adds. They are only ever looked up by id.
//
// DeviceCode is not sealed: the verification page finds it by user code,
// without its id. It is stored without its id and its user code, the two
// secrets it has; the rest (client, scope, device info, approving account)
// yields no token.
const SEALED_MODELS = new Set([
  'AuthorizationCode', 'Interaction', 'PushedAuthorizationRequest', 'ReplayDetection', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode',
]);

/** How an entity was reached: by its id, by a device's user code, or by a session's uid. */
export type Lookup =
  | { by: 'id'; id: string }
  | { by: 'userCode'; userCode: string; storedId: string }
  | { by: 'uid' };

/**
 * The payload as stored: sealed, or without the raw id where the id is a
 * credential, and always without `consumed`, which both stores keep beside
 * the payload (a column, a hash field) so that saving a loaded entity again
 * cannot un-consume it.
 */
export function toStoredPayload(model: string, id: string, payload: AdapterPayload): AdapterPayload {
  const { consumed: _consumed, jti: _jti, ...withoutId } = payload;
  if (SEALED_MODELS.has(model)) return { sealed: seal(model, id, JSON.stringify(withoutId)) };
  if (!dropsJti(model)) {
    const { consumed: _dropped, ...stored } = payload;
    return stored;
  }
  if (model === 'DeviceCode') {
    const { userCode: _userCode, ...stored } = withoutId;
    return stored;
  }
  return withoutId;
}

/**
 * The payload as oidc-provider expects it back, completed in place: `stored`
 * is freshly decoded (JSON.parse, the pg driver) and owned by the caller.
 * Undefined when a sealed payload cannot be opened with what the caller
 * holds. `consumed` is epoch seconds, when the entity counts as consumed.
 */
export function fromStoredPayload(model: string, stored: AdapterPayload, lookup: Lookup, consumed: number | undefined): AdapterPayload | undefined {
  let payload = stored;
  if (typeof stored.sealed === 'string') {
    if (lookup.by !== 'id') return undefined;
    const json = unseal(model, lookup.id, stored.sealed);
    if (json === undefined) return undefined;
    payload = JSON.parse(json) as AdapterPayload;
  }
  if (lookup.by === 'id' && dropsJti(model)) payload.jti = lookup.id;
  if (lookup.by === 'userCode') {
    // oidc-provider checks the user code it asked for against the payload's
    // (lib/models/device_code.js findByUserCode) and saves the code again under its jti.
    payload.jti = deviceCodeHandle(lookup.storedId);
    payload.userCode = lookup.userCode;
  }
  if (consumed !== undefined) payload.consumed = consumed;
  return payload;
}

/** oidc-provider sets epoch seconds; any other truthy value still means consumed, as in the memory adapter. */
export function consumedEpoch(consumed: unknown): number | null {
  if (typeof consumed === 'number') return consumed;
  return consumed ? Math.floor(Date.now() / 1000) : null;
}
