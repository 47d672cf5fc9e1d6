import { createHash } from 'node:crypto';

// The id of most models is itself the credential: an access or refresh token,
// a code, a device code, an interaction's uid (its cookie and URL), a session
// cookie value. Stores keep SHA-256 of it (base64url), so a database dump or a
// Redis dump hands out no live credential; the provider still looks entities
// up by the raw value it received, which we hash again. Client ids and grant
// ids are identifiers, not secrets (they travel in URLs and inside other
// payloads), so they stay readable for operators.
const PLAIN_ID_MODELS = new Set(['Client', 'Grant']);

// A device code found by its user code (the verification page) is handed to
// oidc-provider under a handle instead of its id, which no store holds:
// lib/actions/code_verification.js saves it again and stores `code.jti` in the
// interaction, and device_resume finds it by that value. The handle names the
// stored entity ('~' never occurs in oidc-provider's ids, which are nanoid
// base64url) and is refused by consume(), so it can never be exchanged for
// tokens: only the device holding the real device code can do that.
const HANDLE_PREFIX = '~';

export function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

function isHashedModel(model: string): boolean {
  return !PLAIN_ID_MODELS.has(model);
}

/** Whether `id` is a device-code handle (see HANDLE_PREFIX) rather than a device code. */
export function isDeviceCodeHandle(model: string, id: string): boolean {
  return model === 'DeviceCode' && id.startsWith(HANDLE_PREFIX);
}

/** The handle under which a device code found by user code is given to oidc-provider. */
export function deviceCodeHandle(storedId: string): string {
  return `${HANDLE_PREFIX}${storedId}`;
}

/** The key an entity is stored under. */
export function storageId(model: string, id: string): string {
  if (isDeviceCodeHandle(model, id)) return id.slice(HANDLE_PREFIX.length);
  return isHashedModel(model) ? hashId(id) : id;
}

/** Whether the stored payload leaves the raw id (jti) out. */
export function dropsJti(model: string): boolean {
  return isHashedModel(model);
}

/**
 * The index a device code is found by on the verification page. oidc-provider
 * normalises what the person types (lib/helpers/user_codes.js) before
 * findByUserCode(), so one digest per code. A user code is short by design
 * (RFC 8628 §6.1) and a digest of it can be searched for offline; what the
 * digest protects against is reading live codes off a dump, and the code
 * alone never yields tokens (the device code does).
 */
export function userCodeDigest(userCode: string): string {
  return hashId(`user_code:${userCode}`);
}
