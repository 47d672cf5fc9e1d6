import type { Command } from 'commander';
import { createAccountService } from '../accounts/account-service.js';
import { ROLES, type Role } from '../db/schema.js';
import { readSecretFromStdin, withDatabase } from './cli-context.js';

function parseRole(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('manage user accounts');

  users.command('create')
    .requiredOption('--username <username>', 'unique login name (an e-mail address is fine)')
    .requiredOption('--password-stdin', 'read the password from standard input')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'user')
    .option('--email <email>', 'e-mail address')
    .option('--name <name>', 'display name')
    .action(async (options: { username: string; role: string; email?: string; name?: string }) => {
      const role = parseRole(options.role);
      const password = await readSecretFromStdin();
      await withDatabase(async ({ config, database }) => {
        const accounts = createAccountService({ db: database.db, bcryptCost: config.bcryptCost });
        const user = await accounts.createUser({ username: options.username, password, role, email: options.email, name: options.name });
        process.stdout.write(`created user ${user.username} (${user.id}) with role ${user.role}\n`);
      });
    });

  users.command('list')
    .description('list users')
    .action(async () => {
      await withDatabase(async ({ config, database }) => {
        const accounts = createAccountService({ db: database.db, bcryptCost: config.bcryptCost });
        for (const user of await accounts.listUsers()) {
          process.stdout.write(`${user.id}\t${user.username}\t${user.role}\t${user.active ? 'active' : 'disabled'}\n`);
        }
      });
    });
}
