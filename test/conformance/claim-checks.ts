/**
 * Claim shapes as OpenID Connect Core §5.1 defines them (what the suite's
 * ValidateUserInfoStandardClaims / ValidateIdTokenStandardClaims enforce),
 * and the claims each scope releases (§5.4).
 */

export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  openid: ['sub'],
  profile: [
    'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'profile', 'picture', 'website',
    'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at', 'preferred_username',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
  offline_access: [],
});

const STRING_CLAIMS = [
  'sub', 'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile',
  'picture', 'website', 'email', 'gender', 'zoneinfo', 'locale', 'phone_number',
];
const BOOLEAN_CLAIMS = ['email_verified', 'phone_number_verified'];
const ADDRESS_FIELDS = ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'];

/** Each standard claim present has its §5.1 type: a non-blank string (never "null"), a boolean, a number, an address object. */
export function expectStandardClaims(claims: Record<string, unknown>): void {
  for (const name of STRING_CLAIMS) {
    if (claims[name] === undefined) continue;
    expect(typeof claims[name]).toBe('string');
    expect(String(claims[name]).trim()).not.toBe('');
    expect(String(claims[name]).toLowerCase()).not.toBe('null');
  }
  for (const name of BOOLEAN_CLAIMS) if (claims[name] !== undefined) expect(typeof claims[name]).toBe('boolean');
  if (claims.birthdate !== undefined) expect(claims.birthdate).toMatch(/^(\d{4}|\d{4}-\d{2}-\d{2})$/);
  if (claims.updated_at !== undefined) {
    // EnsureUserInfoUpdatedAtValid: seconds since the epoch, not milliseconds, not in the future.
    expect(Number.isInteger(claims.updated_at)).toBe(true);
    expect(Number(claims.updated_at)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 300);
    expect(Number(claims.updated_at)).toBeGreaterThan(1_000_000_000);
  }
  if (claims.address !== undefined) {
    expect(typeof claims.address).toBe('object');
    expect(Object.keys(claims.address as object).filter((key) => !ADDRESS_FIELDS.includes(key))).toEqual([]);
  }
}

/** The claims `scope` releases, for VerifyScopesReturnedInUserInfoClaims and EnsureIdTokenDoesNotContainNonRequestedClaims. */
export function claimsForScope(scope: string): string[] {
  return scope.split(' ').flatMap((name) => [...(SCOPE_CLAIMS[name] ?? [])]);
}

/** Shannon entropy of a string in bits (the suite asks > 96 for an authorization code). */
export function shannonBits(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bitsPerChar = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bitsPerChar -= p * Math.log2(p);
  }
  return bitsPerChar * value.length;
}
