import type { Command } from 'commander';
import { createAccountService, type AccountService, type User } from '../accounts/account-service.js';
import type { FactorOverview, SecondFactors } from '../accounts/factors/second-factors.js';
import { createAuditLog, type AuditLog } from '../audit/audit-log.js';
import { createLogger } from '../observability/logger.js';
import { withDatabase } from './cli-context.js';

export interface UsersMfaDeps {
  resolveUser(accounts: AccountService, ref: string): Promise<User>;
}

interface MfaContext {
  accounts: AccountService;
  factors: SecondFactors;
  audit: AuditLog;
}

function withFactors(run: (context: MfaContext) => Promise<void>): Promise<void> {
  return withDatabase(async ({ config, database }) => {
    // Loaded here, not at the top: the WebAuthn and TOTP libraries are for the `users mfa` commands alone.
    const [{ createSecondFactors }, { relyingPartyOf }, { createSecretBox }] = await Promise.all([
      import('../accounts/factors/second-factors.js'), import('../accounts/factors/relying-party.js'), import('../oidc/keys/secret-box.js'),
    ]);
    const { db } = database;
    const name = config.branding.name ?? new URL(config.issuer).host;
    return run({
      accounts: createAccountService({ db, bcryptCost: config.bcryptCost }),
      factors: createSecondFactors({
        db, box: createSecretBox(config.keyEncryptionSecret), relyingParty: relyingPartyOf(config.issuer, name), totpIssuer: name, requiredRoles: config.mfa.requiredRoles,
      }),
      audit: createAuditLog({ db, logger: createLogger({ level: config.logLevel }) }),
    });
  });
}

const when = (date: Date | null | undefined) => date?.toISOString() ?? 'never';

/** One line per factor; never a secret, only names and dates. */
export function describeFactors(overview: FactorOverview): string {
  const lines = overview.passkeys.map((passkey) =>
    `passkey\t${passkey.name}\tadded ${when(passkey.createdAt)}\tlast used ${when(passkey.lastUsedAt)}\t${passkey.synced ? 'synced' : 'device-bound'}`);
  if (overview.totp) lines.push(`totp\tauthenticator app\tadded ${when(overview.totp.confirmedAt)}\tlast used ${when(overview.totp.lastUsedAt)}`);
  const codes = overview.recoveryCodes;
  if (codes.total > 0) lines.push(`recovery codes\t${codes.left} of ${codes.total} left\tmade ${when(codes.createdAt)}\tlast used ${when(codes.used[0])}`);
  return lines.length ? `${lines.join('\n')}\n` : 'no second factor\n';
}

/** `users mfa list <user>` and `users mfa reset <user>`. */
export function registerUsersMfaCommand(users: Command, deps: UsersMfaDeps): void {
  const mfa = users.command('mfa').description('second factors: passkeys, authenticator app, recovery codes');

  mfa.command('list <user>')
    .description('list the second factors of a user (user = username or id)')
    .action(async (ref: string) => {
      await withFactors(async ({ accounts, factors }) => {
        const user = await deps.resolveUser(accounts, ref);
        process.stdout.write(describeFactors(await factors.overview(user.id)));
      });
    });

  mfa.command('reset <user>')
    .description('remove every second factor of a user and sign them out everywhere (user = username or id)')
    .action(async (ref: string) => {
      await withFactors(async ({ accounts, factors, audit }) => {
        const user = await deps.resolveUser(accounts, ref);
        const removed = await factors.reset(user.id);
        await audit.record({ event: 'mfa.reset', details: { user_id: user.id, source: 'cli', removed } });
        process.stdout.write(`removed ${removed} second-factor entr${removed === 1 ? 'y' : 'ies'} of ${user.username}; their sessions, grants and tokens are revoked\n`);
      });
    });
}
