import type { Kysely } from 'kysely';
import type { Database, Role } from '../../db/schema.js';
import { revokeAccountEntities } from '../../../adapters/revoke-entities.js';
import { verifyPassword } from '../passwords.js';
import { findUserById, recordLogin } from '../users-repository.js';
import { deleteAllFactors, findFactorCounts, type FactorCounts } from './factors-repository.js';
import { createPasskeyService, type Passkey, type PasskeyService } from './passkey-service.js';
import { createRecoveryCodeService, type RecoveryCodeService, type RecoveryCodesStatus } from './recovery-codes.js';
import { deleteRecoveryCodes } from './recovery-codes-repository.js';
import type { RelyingParty } from './relying-party.js';
import { createTotpService, type SecretSealer, type TotpService, type TotpStatus } from './totp-service.js';

export interface FactorOverview {
  passkeys: Passkey[];
  totp: TotpStatus | undefined;
  recoveryCodes: RecoveryCodesStatus;
}

/** Why a sign-in needs a second factor, as far as the account is concerned. */
export interface AccountFactorPolicy {
  /** The account has a passkey or a confirmed authenticator app. */
  hasFactor: boolean;
  /** The account's role is one MFA_REQUIRED_ROLES names. */
  roleRequires: boolean;
}

export interface SecondFactors {
  readonly passkeys: PasskeyService;
  readonly totp: TotpService;
  readonly recoveryCodes: RecoveryCodeService;
  counts(accountId: string): Promise<FactorCounts | undefined>;
  /** Undefined for an unknown or disabled account. */
  policyFor(accountId: string): Promise<AccountFactorPolicy | undefined>;
  overview(accountId: string): Promise<FactorOverview>;
  /** A sign-in with a passkey alone: the account's last sign-in time, as a password sign-in records it. */
  recordPasskeySignIn(accountId: string): Promise<void>;
  /** The current password, for recent authentication before a factor changes (one bcrypt compare). */
  confirmPassword(accountId: string, password: string): Promise<boolean>;
  /**
   * Removes one passkey or the authenticator app; when no factor is left the
   * recovery codes go too (they recover a second factor that no longer exists).
   */
  remove(accountId: string, factor: { kind: 'passkey'; id: string } | { kind: 'totp' }): Promise<{ removed: boolean; recoveryCodesDropped: boolean }>;
  /**
   * Removes every factor and signs the person out everywhere (sessions,
   * grants, tokens), in one transaction; returns how many factors went.
   */
  reset(accountId: string): Promise<number>;
}

export interface SecondFactorsDeps {
  db: Kysely<Database>;
  relyingParty: RelyingParty;
  box: SecretSealer;
  /** The label authenticator apps show above the code (the product name). */
  totpIssuer: string;
  requiredRoles: readonly Role[];
  now?: () => number;
}

export function hasSecondFactor(counts: FactorCounts): boolean {
  return counts.passkeys > 0 || counts.totp;
}

export function createSecondFactors(deps: SecondFactorsDeps): SecondFactors {
  const { db } = deps;
  const passkeys = createPasskeyService(db, deps.relyingParty);
  const totp = createTotpService(db, deps.box, { issuer: deps.totpIssuer, now: deps.now });
  const recoveryCodes = createRecoveryCodeService(db);
  return {
    passkeys,
    totp,
    recoveryCodes,
    counts: (accountId) => findFactorCounts(db, accountId),
    async policyFor(accountId) {
      const counts = await findFactorCounts(db, accountId);
      return counts && { hasFactor: hasSecondFactor(counts), roleRequires: deps.requiredRoles.includes(counts.role) };
    },
    async overview(accountId) {
      const [list, status, codes] = await Promise.all([passkeys.list(accountId), totp.status(accountId), recoveryCodes.status(accountId)]);
      return { passkeys: list, totp: status, recoveryCodes: codes };
    },
    async recordPasskeySignIn(accountId) {
      await recordLogin(db, accountId);
    },
    async confirmPassword(accountId, password) {
      const row = await findUserById(db, accountId);
      return row !== undefined && row.active && await verifyPassword(password, row.password_hash);
    },
    async remove(accountId, factor) {
      const removed = factor.kind === 'passkey' ? await passkeys.remove(accountId, factor.id) : await totp.remove(accountId);
      const left = removed ? await findFactorCounts(db, accountId) : undefined;
      const dropped = left !== undefined && !hasSecondFactor(left) ? await deleteRecoveryCodes(db, accountId) : 0;
      return { removed, recoveryCodesDropped: dropped > 0 };
    },
    reset: (accountId) => db.transaction().execute(async (trx) => {
      const deleted = await deleteAllFactors(trx, accountId);
      await revokeAccountEntities(trx, accountId);
      return deleted;
    }),
  };
}
