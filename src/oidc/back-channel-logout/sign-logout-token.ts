import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { PrivateJwk } from '../keys/load-signing-keys.js';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutTokenInput {
  issuer: string;
  clientId: string;
  accountId: string;
  sid: string;
  /** The client's id_token_signed_response_alg: logout tokens are signed like its ID tokens (Back-Channel Logout §2.4). */
  alg: string;
  /** The provider's private signing keys, current first (load-signing-keys.ts). */
  keys: readonly PrivateJwk[];
}

/**
 * A Logout Token (OpenID Connect Back-Channel Logout 1.0 §2.4) as
 * oidc-provider's Client#backchannelLogout makes it: iss, aud, iat, exp (two
 * minutes), jti, sub, sid and the back-channel logout event, never a nonce,
 * typ logout+jwt, signed with the first current key of the client's ID token
 * algorithm (the key oidc-provider itself would pick). Used where no provider
 * instance runs: the CLI ending a disabled user's sessions.
 */
export async function signLogoutToken(input: LogoutTokenInput): Promise<string> {
  const key = input.keys.find((candidate) => candidate.alg === input.alg);
  if (!key) throw new Error(`no signing key for ${input.alg}`);
  return new SignJWT({ events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, sid: input.sid })
    .setProtectedHeader({ alg: input.alg, kid: key.kid, typ: 'logout+jwt' })
    .setIssuer(input.issuer)
    .setAudience(input.clientId)
    .setSubject(input.accountId)
    .setIssuedAt()
    .setExpirationTime('2m')
    .setJti(randomUUID())
    .sign(await importJWK(key, input.alg));
}
