/**
 * Authentication Method Reference values (RFC 8176 §2) for the ways a person
 * signs in here, and whether a sign-in used two factors. The ID token's `amr`
 * lists them; `mfa` is added when two distinct factors were used.
 */
export type AuthenticationMethod = 'pwd' | 'otp' | 'hwk' | 'swk' | 'user' | 'pin' | 'mfa';

/** What a passkey assertion reported (WebAuthn §6.1 authenticator data flags). */
export interface PasskeyUse {
  /** singleDevice: bound to one authenticator (hwk); multiDevice: a synced passkey (swk). */
  deviceType: 'singleDevice' | 'multiDevice';
  /** The UV flag: the authenticator verified the person (PIN, biometric). */
  userVerified: boolean;
}

/**
 * A passkey is proof of possession of a key: `hwk` when it cannot leave its
 * authenticator, `swk` when it is synced between devices (RFC 8176 §2). The
 * UP flag always means a presence test (`user`); a verified person (UV) is a
 * second factor inside the authenticator, so a passkey with UV alone is
 * multi-factor (NIST SP 800-63B §5.1.9: a multi-factor cryptographic authenticator).
 */
export function passkeyMethods(use: PasskeyUse): AuthenticationMethod[] {
  const key: AuthenticationMethod = use.deviceType === 'singleDevice' ? 'hwk' : 'swk';
  return use.userVerified ? [key, 'user', 'mfa'] : [key, 'user'];
}

/** Methods that prove a second factor beyond the password. */
const SECOND_FACTORS: ReadonlySet<string> = new Set(['otp', 'hwk', 'swk']);

/** Whether a session's amr already holds two factors. */
export function isMultiFactor(amr: readonly string[] | undefined): boolean {
  if (!amr) return false;
  return amr.includes('mfa') || (amr.includes('pwd') && amr.some((method) => SECOND_FACTORS.has(method)));
}

/** The session's methods plus the new factor's, `mfa` when they now make two factors; no duplicates. */
export function combineMethods(before: readonly string[] | undefined, added: readonly AuthenticationMethod[]): AuthenticationMethod[] {
  const known = new Set<AuthenticationMethod>(['pwd', 'otp', 'hwk', 'swk', 'user', 'pin', 'mfa']);
  const all = [...(before ?? []), ...added].filter((method): method is AuthenticationMethod => known.has(method as AuthenticationMethod));
  const unique = [...new Set(all)].filter((method) => method !== 'mfa');
  return isMultiFactor(all) ? [...unique, 'mfa'] : unique;
}
