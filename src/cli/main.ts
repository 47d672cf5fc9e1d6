import { Command } from 'commander';
import { ConfigError } from '../config/load-config.js';
import { registerClientsCommand } from './clients-command.js';
import { registerMigrateCommand } from './migrate-command.js';
import { registerUsersCommand } from './users-command.js';
import { registerAuditCommand } from './audit-command.js';
import { registerCleanupCommand } from './cleanup-command.js';
import { registerKeysCommand } from './keys-command.js';

const program = new Command();
program.name('oidc-server').description('operate the OpenID Connect server').showHelpAfterError();
registerMigrateCommand(program);
registerUsersCommand(program);
registerCleanupCommand(program);
registerAuditCommand(program);
registerKeysCommand(program);
registerClientsCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // One readable line, never a stack trace or a secret.
  process.stderr.write(`error: ${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
