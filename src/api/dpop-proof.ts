import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import { BearerError } from './bearer-challenge.js';
import { DPOP_SIGNING_ALGS } from '../oidc/configuration/build-client-policy.js';

/** Remembers proof ids for as long as a proof is acceptable; false when one was seen before. */
export interface DpopReplayCache {
  unique(jti: string, expiresAt: number): Promise<boolean>;
}

/** The same list the token endpoint accepts and discovery advertises. */
export const DPOP_ALGORITHMS = DPOP_SIGNING_ALGS;
/** How far a proof's iat may be from our clock (RFC 9449 §11.1: a short window). */
const PROOF_WINDOW_SECONDS = 60;

function invalidProof(description: string): BearerError {
  return new BearerError(401, 'invalid_dpop_proof', description, { scheme: 'DPoP' });
}

/** The request URI without query and fragment (RFC 9449 §4.2, htu). */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/**
 * Checks a DPoP proof presented with a DPoP-bound access token at a
 * protected resource (RFC 9449 §4.3 and §7.1): a dpop+jwt signed by the
 * public key in its own header, for this method and URI, fresh, never seen
 * before, carrying `ath` = hash of this access token, and made with the very
 * key the token is bound to (`cnf.jkt`).
 */
export async function verifyDpopProof(input: {
  proof: string;
  method: string;
  url: string;
  accessToken: string;
  jkt: string;
  replay: DpopReplayCache;
}): Promise<void> {
  let payload: Record<string, unknown>;
  let jwk: JWK;
  try {
    // jose's EmbeddedJWK (what oidc-provider uses at its own endpoints) takes
    // the key from the proof's header and refuses a missing or private one.
    const verified = await jwtVerify(input.proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGORITHMS] });
    ({ payload } = verified);
    jwk = verified.protectedHeader.jwk as JWK;
  } catch {
    throw invalidProof('the DPoP proof must be a dpop+jwt signed with an asymmetric alg by the public jwk in its header');
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > PROOF_WINDOW_SECONDS) throw invalidProof('the DPoP proof is not fresh');
  if (payload.htm !== input.method) throw invalidProof('the DPoP proof is for another HTTP method');
  if (typeof payload.htu !== 'string' || URL.parse(payload.htu) === null || withoutQuery(payload.htu) !== withoutQuery(input.url)) {
    throw invalidProof('the DPoP proof is for another URI');
  }
  const ath = createHash('sha256').update(input.accessToken).digest('base64url');
  if (payload.ath !== ath) throw invalidProof('the DPoP proof is not for this access token (ath)');
  if (await calculateJwkThumbprint(jwk, 'sha256') !== input.jkt) {
    throw new BearerError(401, 'invalid_token', 'the access token is bound to another key', { scheme: 'DPoP' });
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0) throw invalidProof('the DPoP proof has no jti');
  if (!await input.replay.unique(payload.jti, payload.iat + 2 * PROOF_WINDOW_SECONDS)) throw invalidProof('the DPoP proof was already used');
}
