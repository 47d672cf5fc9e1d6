import { Command } from 'commander';
import { ConfigError } from '../config/load-config.js';
import { registerMigrateCommand } from './migrate-command.js';
import { registerUsersCommand } from './users-command.js';

const program = new Command();
program.name('oidc-server').description('operate the OpenID Connect server').showHelpAfterError();
registerMigrateCommand(program);
registerUsersCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // One readable line, never a stack trace or a secret.
  process.stderr.write(`error: ${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
