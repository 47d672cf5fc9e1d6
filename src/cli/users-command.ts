import type { Command } from 'commander';
import { AccountNotFoundError } from '../accounts/account-errors.js';
import { createAccountService, type AccountService, type User } from '../accounts/account-service.js';
import { ROLES, type Role } from '../db/schema.js';
import { readSecretFromStdin, withDatabase } from './cli-context.js';

function parseRole(value: string, label = '--role'): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new Error(`${label} must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

/** Runs one command with the account service; the database is closed afterwards. */
function withAccounts(run: (accounts: AccountService) => Promise<void>): Promise<void> {
  return withDatabase(({ config, database }) => run(createAccountService({ db: database.db, bcryptCost: config.bcryptCost })));
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
    ['role', user.role],
    ['status', user.active ? 'active' : 'disabled'],
    ['last login', user.lastLoginAt?.toISOString() ?? 'never'],
    ['created', user.createdAt.toISOString()],
    ['updated', user.updatedAt.toISOString()],
  ];
  return lines.map(([key, value]) => `${key}: ${value}\n`).join('');
}

function registerChange(users: Command, name: string, description: string, change: (accounts: AccountService, user: User) => Promise<string>): void {
  users.command(`${name} <user>`)
    .description(`${description} (user = username or id)`)
    .action(async (ref: string) => {
      await withAccounts(async (accounts) => {
        process.stdout.write(`${await change(accounts, await resolveUser(accounts, ref))}\n`);
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
      await withAccounts(async (accounts) => {
        const user = await accounts.createUser({ username: options.username, password, role, email: options.email, name: options.name });
        process.stdout.write(`created user ${user.username} (${user.id}) with role ${user.role}\n`);
      });
    });

  users.command('list')
    .description('list users: id, username, role, status')
    .action(async () => {
      await withAccounts(async (accounts) => {
        for (const user of await accounts.listUsers()) {
          process.stdout.write(`${user.id}\t${user.username}\t${user.role}\t${user.active ? 'active' : 'disabled'}\n`);
        }
      });
    });

  users.command('show <user>')
    .description('show one user (user = username or id)')
    .action(async (ref: string) => {
      await withAccounts(async (accounts) => { process.stdout.write(describeUser(await resolveUser(accounts, ref))); });
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

  registerChange(users, 'disable', 'disable a user: signs them out and revokes their tokens at once', async (accounts, user) =>
    `disabled ${(await accounts.setActive(user.id, false)).username}; their sessions, grants and tokens are revoked`);
  registerChange(users, 'enable', 'enable a disabled user', async (accounts, user) =>
    `enabled ${(await accounts.setActive(user.id, true)).username}`);
  registerChange(users, 'delete', 'delete a user with their sessions, grants and tokens', async (accounts, user) => {
    if (!(await accounts.deleteUser(user.id))) throw new AccountNotFoundError(user.id);
    return `deleted user ${user.username} (${user.id})`;
  });
}
