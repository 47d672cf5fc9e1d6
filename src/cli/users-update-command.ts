import type { Command } from 'commander';
import type { ProfileChanges } from '../accounts/account-profile.js';
import type { AccountService, User } from '../accounts/account-service.js';
import { ADDRESS_FIELDS, STRING_CLAIMS, type ClaimChanges } from '../accounts/standard-claims.js';
import type { CliContext } from './cli-context.js';

export interface UsersUpdateDeps {
  withAccounts(run: (accounts: AccountService, context: CliContext) => Promise<void>): Promise<void>;
  resolveUser(accounts: AccountService, ref: string): Promise<User>;
  describeUser(user: User): string;
  /** Account mails: mails the link that verifies a new, unverified address; returns the line to print. */
  afterEmailSet?(context: CliContext, user: User): Promise<string>;
}

/** given_name → --given-name, the option's camelCase key givenName. */
const flagOf = (claim: string) => `--${claim.replace(/_/g, '-')}`;
const keyOf = (claim: string) => claim.replace(/_(.)/g, (_match, letter: string) => letter.toUpperCase());
// Core §5.1.1 member names, prefixed where they would be ambiguous on their own.
const addressFlag = (member: string) => (member === 'formatted' ? 'address-formatted' : member.replace(/_/g, '-'));

function parseBoolean(value: string, flag: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`${flag} must be true or false`);
}

type Options = Record<string, string | undefined>;

/** The options as a profile change: only the flags given change anything; '' clears. */
export function changesOf(options: Options): ProfileChanges {
  const claims: ClaimChanges = {};
  for (const claim of STRING_CLAIMS) if (options[keyOf(claim)] !== undefined) claims[claim] = options[keyOf(claim)];
  const verified = options.phoneNumberVerified;
  if (verified !== undefined) claims.phone_number_verified = parseBoolean(verified, '--phone-number-verified');
  const address = Object.fromEntries(ADDRESS_FIELDS.flatMap((member) => {
    const value = options[keyOf(addressFlag(member).replace(/-/g, '_'))];
    return value === undefined ? [] : [[member, value]];
  }));
  if (Object.keys(address).length > 0) claims.address = address;
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.email !== undefined ? { email: options.email } : {}),
    ...(options.emailVerified !== undefined ? { emailVerified: parseBoolean(options.emailVerified, '--email-verified') } : {}),
    claims,
  };
}

/**
 * `users update <user> [--given-name …] [--picture …] [--email-verified true] …`:
 * sets the OpenID Connect Core §5.1 claims an operator vouches for. An empty
 * value ('') removes a claim. Prints the user afterwards.
 */
export function registerUsersUpdateCommand(users: Command, deps: UsersUpdateDeps): void {
  const command = users.command('update <user>')
    .description('set profile claims (OpenID Connect Core §5.1); an empty value removes one (user = username or id)')
    .option('--name <name>', 'full name')
    .option('--email <email>', 'e-mail address (a new address is unverified unless --email-verified true)')
    .option('--email-verified <boolean>', 'true or false');
  for (const claim of STRING_CLAIMS) command.option(`${flagOf(claim)} <value>`, claim);
  command.option('--phone-number-verified <boolean>', 'true or false');
  for (const member of ADDRESS_FIELDS) command.option(`--${addressFlag(member)} <value>`, `address.${member}`);
  command.action(async (ref: string, options: Options) => {
    const changes = changesOf(options);
    await deps.withAccounts(async (accounts, context) => {
      const user = await accounts.updateProfile((await deps.resolveUser(accounts, ref)).id, changes);
      process.stdout.write(deps.describeUser(user));
      if (changes.email !== undefined && deps.afterEmailSet) process.stdout.write(await deps.afterEmailSet(context, user));
    });
  });
}
