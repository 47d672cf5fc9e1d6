import { Command } from 'commander';
import { ConfigError } from '../config/load-config.js';

type Register = (program: Command) => void;

/**
 * Each command group's module, loaded only when its command is asked for:
 * the groups pull in the mail templates, the second-factor libraries and the
 * protocol signer, and a one-line command should not wait for all of them.
 * Help, and a command this list does not know, load every group so commander
 * can list them all or suggest the nearest name.
 */
const GROUPS: Record<string, () => Promise<Register>> = {
  migrate: async () => (await import('./migrate-command.js')).registerMigrateCommand,
  users: async () => (await import('./users-command.js')).registerUsersCommand,
  cleanup: async () => (await import('./cleanup-command.js')).registerCleanupCommand,
  audit: async () => (await import('./audit-command.js')).registerAuditCommand,
  keys: async () => (await import('./keys-command.js')).registerKeysCommand,
  clients: async () => (await import('./clients-command.js')).registerClientsCommand,
};

async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('oidc-server').description('operate the OpenID Connect server').showHelpAfterError();
  const asked = argv[2];
  const loaders = asked !== undefined && Object.hasOwn(GROUPS, asked) ? [GROUPS[asked]!] : Object.values(GROUPS);
  for (const register of await Promise.all(loaders.map((load) => load()))) register(program);
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  // One readable line, never a stack trace or a secret.
  process.stderr.write(`error: ${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
