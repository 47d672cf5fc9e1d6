import type { Command } from 'commander';
import { createAccountService, type AccountService, type User } from '../accounts/account-service.js';
import type { AccountLifecycle } from '../accounts/lifecycle/create-account-lifecycle.js';
import { createAuditLog } from '../audit/audit-log.js';
import { ROLES, type Role } from '../db/schema.js';
import { createLogger } from '../observability/logger.js';
import { withDatabase, type CliContext } from './cli-context.js';

const CLI_ORIGIN = { source: 'cli' } as const;

/**
 * The account lifecycle for one command. Its log (a failed delivery; without
 * SMTP_URL outside production, the mail itself) goes to standard error, so
 * standard output stays the command's answer.
 */
async function withLifecycle<T>(context: CliContext, run: (lifecycle: AccountLifecycle, accounts: AccountService) => Promise<T>): Promise<T> {
  const { config, database } = context;
  const logger = createLogger({ level: config.logLevel, destination: process.stderr });
  const accounts = createAccountService({ db: database.db, bcryptCost: config.bcryptCost });
  // Loaded here, not at the top: the mailer and its templates are for the few commands that mail.
  const { createLifecycleFromConfig } = await import('../accounts/lifecycle/lifecycle-from-config.js');
  const built = createLifecycleFromConfig(config, { db: database.db, accounts, redis: undefined, logger, audit: createAuditLog({ db: database.db, logger }) });
  try {
    return await run(built.lifecycle, accounts);
  } finally {
    built.close();
  }
}

/** A command that must mail: refused at once when no mail can be sent. */
function withMail(run: (lifecycle: AccountLifecycle, accounts: AccountService) => Promise<void>): Promise<void> {
  return withDatabase((context) => withLifecycle(context, async (lifecycle, accounts) => {
    if (!lifecycle.mailEnabled) throw new Error('SMTP_URL is not set: with NODE_ENV=production no mail can be sent');
    await run(lifecycle, accounts);
  }));
}

/** After `users create --email` or `users update --email`: mails the link that verifies a new, unverified address. */
export async function mailVerificationLink(context: CliContext, user: User): Promise<string> {
  if (!user.email || user.emailVerified) return '';
  return withLifecycle(context, async (lifecycle) => {
    if (!lifecycle.mailEnabled) return `no verification link mailed to ${user.email}: SMTP_URL is not set\n`;
    const sent = await (await lifecycle.sendVerification(user, CLI_ORIGIN)).delivery;
    return sent ? `verification link mailed to ${user.email}\n` : `the verification link could not be mailed to ${user.email} (see the log); try \`users send-verification ${user.username}\`\n`;
  });
}

export interface UsersMailDeps {
  resolveUser(accounts: AccountService, ref: string): Promise<User>;
  parseRole(value: string): Role;
}

/** `users invite`, `users reinvite`, `users send-verification`: the account lifecycle's operator side. */
export function registerUsersMailCommands(users: Command, deps: UsersMailDeps): void {
  users.command('invite')
    .description('create a user without a password and mail them a link to choose one')
    .requiredOption('--email <email>', 'where the invitation goes')
    .option('--username <username>', 'login name (default: the e-mail address)')
    .option('--name <name>', 'display name')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'user')
    .action(async (options: { email: string; username?: string; name?: string; role: string }) => {
      const role = deps.parseRole(options.role);
      await withMail(async (lifecycle) => {
        const invitation = await lifecycle.invite({ email: options.email, username: options.username, name: options.name, role }, CLI_ORIGIN);
        await reportInvitation(invitation.user, invitation.expiresAt, await invitation.delivery);
      });
    });

  users.command('reinvite <user>')
    .description('mail a new invitation link (older ones stop working) (user = username or id)')
    .action(async (ref: string) => {
      await withMail(async (lifecycle, accounts) => {
        const invitation = await lifecycle.resendInvitation(await deps.resolveUser(accounts, ref), CLI_ORIGIN);
        await reportInvitation(invitation.user, invitation.expiresAt, await invitation.delivery);
      });
    });

  users.command('send-verification <user>')
    .description('mail a link that verifies the current e-mail address (user = username or id)')
    .action(async (ref: string) => {
      await withMail(async (lifecycle, accounts) => {
        const user = await deps.resolveUser(accounts, ref);
        if (!user.email) throw new Error(`${user.username} has no e-mail address`);
        if (user.emailVerified) return void process.stdout.write(`${user.email} is verified already; nothing sent\n`);
        if (!(await (await lifecycle.sendVerification(user, CLI_ORIGIN)).delivery)) throw new Error(`the link could not be mailed to ${user.email} (see the log)`);
        process.stdout.write(`verification link mailed to ${user.email}\n`);
      });
    });
}

async function reportInvitation(user: User, expiresAt: Date, sent: boolean): Promise<void> {
  if (!sent) throw new Error(`${user.username} (${user.id}) exists, but the invitation could not be mailed to ${user.email} (see the log); try \`users reinvite ${user.username}\``);
  process.stdout.write(`invited ${user.username} (${user.id}) with role ${user.role}; the link mailed to ${user.email} works until ${expiresAt.toISOString()}\n`);
}
