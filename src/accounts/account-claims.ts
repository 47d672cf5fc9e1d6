import type { User } from './account-service.js';

/** Standard claims (OpenID Connect Core §5.1) that oidc-provider filters by the granted scopes and claims. */
export interface AccountClaims {
  [claim: string]: unknown;
  sub: string;
  preferred_username: string;
  name?: string;
  email?: string;
  email_verified?: boolean;
  updated_at: number;
}

/**
 * Claims without a value are left out rather than sent as null
 * (Core §5.3.2: "If a Claim is not returned, that Claim Name SHOULD be omitted").
 */
export function accountClaims(user: User): AccountClaims {
  return {
    sub: user.id,
    preferred_username: user.username,
    ...(user.name ? { name: user.name } : {}),
    ...(user.email ? { email: user.email, email_verified: user.emailVerified } : {}),
    // updated_at is a JSON number of seconds since the epoch (Core §5.1).
    updated_at: Math.floor(user.updatedAt.getTime() / 1000),
  };
}
