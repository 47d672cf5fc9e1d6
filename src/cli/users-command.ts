import type { Command } from 'commander';
import { AccountNotFoundError } from '../accounts/account-errors.js';
import { createAccountService, type AccountService, type User } from '../accounts/account-service.js';
import { ROLES, type Role } from '../db/schema.js';
import { createAuditLog } from '../audit/audit-log.js';
import { withAccountAudit } from '../audit/audited-account-service.js';
import { createLogger } from '../observability/logger.js';
import { readSecretFromStdin, withDatabase, type CliContext } from './cli-context.js';
import { printResult, printTable, withJsonOption, type OutputOptions } from './cli-output.js';
import { registerUsersUpdateCommand } from './users-update-command.js';
import { registerUsersMfaCommand } from './users-mfa-command.js';
import { mailVerificationLink, registerUsersMailCommands } from './users-mail-command.js';

function parseRole(value: string, label = '--role'): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new Error(`${label} must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

/**
 * Runs one command with the account service; the database is closed
 * afterwards. Every change made here is recorded in the audit trail (src/audit/).
 */
function withAccounts(run: (accounts: AccountService, context: CliContext) => Promise<void>): Promise<void> {
  return withDatabase((context) => run(withAccountAudit(
    createAccountService({ db: context.database.db, bcryptCost: context.config.bcryptCost }),
    createAuditLog({ db: context.database.db, logger: createLogger({ level: context.config.logLevel }) }),
    { source: 'cli' },
  ), context));
}

/** A user named by username (case-insensitive) or by id. */
async function resolveUser(accounts: AccountService, ref: string): Promise<User> {
  const user = await accounts.findUserByUsername(ref) ?? await accounts.findUser(ref);
  if (!user) throw new AccountNotFoundError(ref);
  return user;
}

function describeUser(user: User): string {
  const lines: Array<[string, string]> = [
    ['id', user.id],
    ['username', user.username],
    ['name', user.name ?? ''],
    ['email', user.email ? `${user.email}${user.emailVerified ? ' (verified)' : ''}` : ''],
    // The other standard claims (Core §5.1), one line each, only those set.
    ...Object.entries(user.claims).map(([claim, value]): [string, string] => [claim, typeof value === 'object' ? JSON.stringify(value) : String(value)]),
    ['role', user.role],
    ['status', user.active ? 'active' : 'disabled'],
    ['last login', user.lastLoginAt?.toISOString() ?? 'never'],
    ['created', user.createdAt.toISOString()],
    ['updated', user.updatedAt.toISOString()],
  ];
  return lines.map(([key, value]) => `${key}: ${value}\n`).join('');
}

function registerChange(
  users: Command, name: string, description: string,
  change: (accounts: AccountService, user: User, context: CliContext) => Promise<string>,
): void {
  users.command(`${name} <user>`)
    .description(`${description} (user = username or id)`)
    .action(async (ref: string) => {
      await withAccounts(async (accounts, context) => {
        process.stdout.write(`${await change(accounts, await resolveUser(accounts, ref), context)}\n`);
      });
    });
}

export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('manage user accounts');

  users.command('create')
    .description('create a user; the password is read from standard input')
    .requiredOption('--username <username>', 'unique login name (an e-mail address is fine)')
    .requiredOption('--password-stdin', 'read the password from standard input')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'user')
    .option('--email <email>', 'e-mail address')
    .option('--name <name>', 'display name')
    .action(async (options: { username: string; role: string; email?: string; name?: string }) => {
      const role = parseRole(options.role);
      const password = await readSecretFromStdin();
      await withAccounts(async (accounts, context) => {
        const user = await accounts.createUser({ username: options.username, password, role, email: options.email, name: options.name });
        process.stdout.write(`created user ${user.username} (${user.id}) with role ${user.role}\n`);
        // Account mails: an address set here is confirmed through a mailed link (users-mail-command.ts).
        process.stdout.write(await mailVerificationLink(context, user));
      });
    });

  withJsonOption(users.command('list'))
    .description('list users: id, username, role, status')
    .option('--search <text>', 'only users whose username or e-mail starts with this (any case), or with this id; 50 a page, as the operator console searches')
    .option('--after <id>', 'with --search: the page after this user id (printed on stderr at the end of a full page)')
    .action(async (options: OutputOptions & { search?: string; after?: string }) => {
      await withAccounts(async (accounts) => {
        const page = options.search !== undefined ? await accounts.searchUsers({ query: options.search, after: options.after }) : undefined;
        const list = page ? page.users : await accounts.listUsers();
        printResult(options, list, () => printTable(['id', 'username', 'role', 'status'],
          list.map((user) => [user.id, user.username, user.role, user.active ? 'active' : 'disabled'])));
        if (page?.next) process.stderr.write(`more: --after ${page.next}\n`);
      });
    });

  withJsonOption(users.command('show <user>'))
    .description('show one user (user = username or id)')
    .action(async (ref: string, options: OutputOptions) => {
      await withAccounts(async (accounts) => {
        const user = await resolveUser(accounts, ref);
        printResult(options, user, () => process.stdout.write(describeUser(user)));
      });
    });

  users.command('set-password <user>')
    .description('set a new password, read from standard input (user = username or id)')
    .requiredOption('--password-stdin', 'read the password from standard input')
    .action(async (ref: string) => {
      const password = await readSecretFromStdin('New password: ');
      await withAccounts(async (accounts) => {
        const user = await accounts.setPassword((await resolveUser(accounts, ref)).id, password);
        process.stdout.write(`password changed for ${user.username}\n`);
      });
    });

  users.command('set-role <user> <role>')
    .description(`set the role: ${ROLES.join(', ')} (user = username or id)`)
    .action(async (ref: string, roleName: string) => {
      const role = parseRole(roleName, 'role');
      await withAccounts(async (accounts) => {
        const user = await accounts.setRole((await resolveUser(accounts, ref)).id, role);
        process.stdout.write(`${user.username} now has role ${user.role}\n`);
      });
    });

  registerUsersUpdateCommand(users, { withAccounts, resolveUser, describeUser, afterEmailSet: mailVerificationLink });
  registerUsersMailCommands(users, { resolveUser, parseRole });
  registerUsersMfaCommand(users, { resolveUser });

  // Ending the sessions tells every relying party with a backchannel_logout_uri (back-channel-logout-step.ts,
  // loaded by the two commands that end sessions: it brings the token signer).
  const withBackChannelLogout: typeof import('./back-channel-logout-step.js').withBackChannelLogout = async (...args) =>
    (await import('./back-channel-logout-step.js')).withBackChannelLogout(...args);
  registerChange(users, 'disable', 'disable a user: signs them out and revokes their tokens at once', async (accounts, user, context) =>
    withBackChannelLogout(context, user.id, async () =>
      `disabled ${(await accounts.setActive(user.id, false)).username}; their sessions, grants and tokens are revoked`));
  registerChange(users, 'enable', 'enable a disabled user', async (accounts, user) =>
    `enabled ${(await accounts.setActive(user.id, true)).username}`);
  registerChange(users, 'delete', 'delete a user with their sessions, grants and tokens', async (accounts, user, context) =>
    withBackChannelLogout(context, user.id, async () => {
      if (!(await accounts.deleteUser(user.id))) throw new AccountNotFoundError(user.id);
      return `deleted user ${user.username} (${user.id})`;
    }));
}
