import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** A timestamp the database fills in on insert. */
type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;

export type Role = 'user' | 'staff' | 'superuser';
export const ROLES: readonly Role[] = ['user', 'staff', 'superuser'];

export interface UsersTable {
  id: string;
  username: string;
  email: string | null;
  email_verified: Generated<boolean>;
  name: string | null;
  /**
   * The other OpenID Connect Core §5.1 claims (given_name, picture, address, …)
   * as one object; validated by src/accounts/standard-claims.ts on every write.
   */
  claims: JSONColumnType<Record<string, unknown>, string | undefined, string>;
  password_hash: string;
  role: Generated<Role>;
  active: Generated<boolean>;
  last_login_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type ClientSource = 'code' | 'registration' | 'cli' | 'account';

export interface ClientsTable {
  client_id: string;
  /** Client metadata as oidc-provider reads it, without client_secret. */
  metadata: JSONColumnType<Record<string, unknown>>;
  secret_hash: string | null;
  source: ClientSource;
  owner_id: string | null;
  first_party: Generated<boolean>;
  active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ScopesTable {
  name: string;
  description: string;
  claims: JSONColumnType<string[]>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: JSONColumnType<Record<string, unknown>>;
  /** The private JWK, JSON, or an AES-GCM envelope when KEY_ENCRYPTION_SECRET is set. */
  private_jwk: string;
  encrypted: boolean;
  /** Keys are published until retired_at + the longest token lifetime. */
  retired_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  encrypted: boolean;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** The columns an oidc-provider model is looked up by (the adapter's find, findByUid, findByUserCode, revokeByGrantId). */
export interface ModelKeyColumns {
  id: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  client_id: string | null;
  account_id: string | null;
}

/** One table per oidc-provider model: indexed columns beside the full payload. */
export interface ModelTable extends ModelKeyColumns {
  payload: JSONColumnType<Record<string, unknown>>;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface DeviceCodesTable extends ModelTable {
  last_polled_at: NullableTimestamp;
  poll_interval: number | null;
}

/** Append-only audit trail (see src/audit/); never a secret or token value in any column. */
export interface AuditEventsTable {
  /** bigserial (int8, read as a number; see create-db.ts). */
  id: Generated<number>;
  event: string;
  /** The account id, when a person is behind the event. */
  actor: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: JSONColumnType<Record<string, unknown>, string | undefined, never>;
  created_at: CreatedAt;
}

/** One passkey (WebAuthn credential) of an account; see src/accounts/factors/. */
export interface WebauthnCredentialsTable {
  /** The credential id, base64url, as the browser sends it back. */
  id: string;
  account_id: string;
  name: string;
  /** The COSE public key, base64url. */
  public_key: string;
  /** The signature counter (WebAuthn §6.1.1); bigint, read as a number. */
  counter: ColumnType<number, number | undefined, number>;
  transports: JSONColumnType<string[], string | undefined, string>;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: ColumnType<boolean, boolean | undefined, boolean>;
  last_used_at: NullableTimestamp;
  created_at: CreatedAt;
}

/** The account's authenticator app (RFC 6238); pending until confirmed_at is set. */
export interface TotpSecretsTable {
  account_id: string;
  /** The base32 secret, or an AES-GCM envelope of it when `encrypted`. */
  secret: string;
  encrypted: boolean;
  confirmed_at: NullableTimestamp;
  /** The last accepted time step: a code is accepted once. */
  last_used_step: ColumnType<number | null, number | null | undefined, number | null>;
  last_used_at: NullableTimestamp;
  created_at: CreatedAt;
}

/** One-time recovery codes: only their SHA-256 is stored. */
export interface RecoveryCodesTable {
  id: string;
  account_id: string;
  code_hash: string;
  used_at: NullableTimestamp;
  created_at: CreatedAt;
}

export type AccountTokenPurpose = 'password_reset' | 'email_verification' | 'email_change' | 'invitation';

/** The links account mails carry; only the token's SHA-256 is stored, and a link is used once (src/accounts/account-tokens.ts). */
export interface AccountTokensTable {
  /** SHA-256 of the token, base64url. */
  digest: string;
  purpose: AccountTokenPurpose;
  user_id: string;
  /** The address the link went to; for an e-mail change, the new address it confirms. */
  email: string | null;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  created_at: CreatedAt;
}

export const MODEL_TABLES = {
  Grant: 'oidc_grants',
  Session: 'oidc_sessions',
  AccessToken: 'oidc_access_tokens',
  RefreshToken: 'oidc_refresh_tokens',
  ClientCredentials: 'oidc_client_credentials',
  RegistrationAccessToken: 'oidc_registration_access_tokens',
  AuthorizationCode: 'oidc_authorization_codes',
  DeviceCode: 'oidc_device_codes',
  Interaction: 'oidc_interactions',
  PushedAuthorizationRequest: 'oidc_pushed_authorization_requests',
  ReplayDetection: 'oidc_replay_detections',
  BackchannelAuthenticationRequest: 'oidc_backchannel_authentication_requests',
} as const;

export type ModelName = keyof typeof MODEL_TABLES;
export type ModelTableName = (typeof MODEL_TABLES)[ModelName];

export interface Database {
  users: UsersTable;
  clients: ClientsTable;
  scopes: ScopesTable;
  signing_keys: SigningKeysTable;
  server_secrets: ServerSecretsTable;
  audit_events: AuditEventsTable;
  webauthn_credentials: WebauthnCredentialsTable;
  totp_secrets: TotpSecretsTable;
  recovery_codes: RecoveryCodesTable;
  account_tokens: AccountTokensTable;
  oidc_grants: ModelTable;
  oidc_sessions: ModelTable;
  oidc_access_tokens: ModelTable;
  oidc_refresh_tokens: ModelTable;
  oidc_client_credentials: ModelTable;
  oidc_registration_access_tokens: ModelTable;
  oidc_authorization_codes: ModelTable;
  oidc_device_codes: DeviceCodesTable;
  oidc_interactions: ModelTable;
  oidc_pushed_authorization_requests: ModelTable;
  oidc_replay_detections: ModelTable;
  oidc_backchannel_authentication_requests: ModelTable;
}
