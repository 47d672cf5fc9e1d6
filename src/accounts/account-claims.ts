import type { User } from './account-service.js';
import type { AddressClaim } from './standard-claims.js';

/**
 * Standard claims (OpenID Connect Core §5.1) of one account. oidc-provider
 * releases only those of the granted scopes (Core §5.4, see
 * src/scopes/scope-catalog.ts) or requested with the `claims` parameter
 * (Core §5.5).
 */
export interface AccountClaims {
  [claim: string]: unknown;
  sub: string;
  preferred_username: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  profile?: string;
  picture?: string;
  website?: string;
  gender?: string;
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  email?: string;
  email_verified?: boolean;
  phone_number?: string;
  phone_number_verified?: boolean;
  address?: AddressClaim;
  updated_at: number;
}

/**
 * Claims without a value are left out rather than sent as null
 * (Core §5.3.2: "If a Claim is not returned, that Claim Name SHOULD be omitted").
 * The *_verified flags accompany only the value they qualify.
 */
export function accountClaims(user: User): AccountClaims {
  const { phone_number: phoneNumber, phone_number_verified: phoneVerified, ...profile } = user.claims;
  return {
    sub: user.id,
    preferred_username: user.username,
    ...(user.name ? { name: user.name } : {}),
    ...profile,
    ...(user.email ? { email: user.email, email_verified: user.emailVerified } : {}),
    ...(phoneNumber ? { phone_number: phoneNumber, phone_number_verified: phoneVerified ?? false } : {}),
    // updated_at is a JSON number of seconds since the epoch (Core §5.1).
    updated_at: Math.floor(user.updatedAt.getTime() / 1000),
  };
}
