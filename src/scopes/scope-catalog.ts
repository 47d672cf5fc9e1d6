import { declaredApiScopes } from './resource-server-definition.js';
import { resourceServersConfig } from './resource-servers.config.js';

/** A scope a client may request: what the person is told, and which claims it releases. */
export interface ScopeDefinition {
  readonly name: string;
  /** Shown on consent screens, phrased as what the app will be able to do. */
  readonly description: string;
  /** Standard claims (OpenID Connect Core §5.4) this scope releases. */
  readonly claims: readonly string[];
}

export const SCOPE_CATALOG: readonly ScopeDefinition[] = Object.freeze([
  { name: 'openid', description: 'Know who you are when you sign in', claims: ['sub'] },
  // Core §5.4: the claims each of profile, email, address and phone requests.
  {
    name: 'profile',
    description: 'See your name and username, and profile details such as your picture, birthdate, time zone and language',
    claims: [
      'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile',
      'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at',
    ],
  },
  { name: 'email', description: 'See your email address', claims: ['email', 'email_verified'] },
  { name: 'address', description: 'See your postal address', claims: ['address'] },
  { name: 'phone', description: 'See your phone number', claims: ['phone_number', 'phone_number_verified'] },
  // Core §11: offline_access asks for a refresh token that works while the person is away.
  { name: 'offline_access', description: 'Stay connected: keep this access when you are not using the app', claims: [] },
]);

export const OIDC_SCOPES: readonly string[] = Object.freeze(SCOPE_CATALOG.map((scope) => scope.name));

/**
 * Scopes only APIs accept, as declared with their resource server in
 * resource-servers.config.ts (no claims; first declaration wins). They are
 * known to the provider too, so client allow-lists may name them and
 * oidc-provider enforces those lists at the authorization endpoint.
 */
export const API_SCOPE_CATALOG: readonly ScopeDefinition[] = Object.freeze(
  declaredApiScopes(resourceServersConfig)
    .filter((scope, index, all) => !OIDC_SCOPES.includes(scope.name) && all.findIndex((other) => other.name === scope.name) === index)
    .map(({ name, description }) => ({ name, description, claims: [] })),
);

/** Every scope a client may be allowed: OpenID Connect scopes, then API-only ones. */
export const KNOWN_SCOPES: readonly string[] = Object.freeze([...OIDC_SCOPES, ...API_SCOPE_CATALOG.map((scope) => scope.name)]);

/**
 * Shaped for oidc-provider's `claims` option: scope name → claims it releases.
 * Scopes without claims (offline_access) are left out; they are declared in
 * the `scopes` option instead.
 */
export function claimsByScope(): Record<string, string[]> {
  return Object.fromEntries(
    SCOPE_CATALOG.filter((scope) => scope.claims.length > 0).map((scope) => [scope.name, [...scope.claims]]),
  );
}

export interface ScopeDescription {
  name: string;
  description: string;
}

/** Catalog order first, then unknown names (described by their name) in the order given; no duplicates. */
export function describeScopes(names: Iterable<string>): ScopeDescription[] {
  const requested = new Set(names);
  const known = [...SCOPE_CATALOG, ...API_SCOPE_CATALOG].filter((scope) => requested.has(scope.name)).map(({ name, description }) => ({ name, description }));
  const unknown = [...requested].filter((name) => !KNOWN_SCOPES.includes(name)).map((name) => ({ name, description: name }));
  return [...known, ...unknown];
}
