import type { Command } from 'commander';
import { createAuditLog } from '../audit/audit-log.js';
import { createSecretBox } from '../oidc/keys/secret-box.js';
import { listSigningKeys, retiredKeyGraceSeconds, rotateSigningKeys } from '../oidc/keys/rotate-signing-keys.js';
import { createLogger } from '../observability/logger.js';
import { withDatabase } from './cli-context.js';
import { printResult, printTable, withJsonOption, type OutputOptions } from './cli-output.js';

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('manage the token signing keys');

  withJsonOption(keys.command('list'))
    .description('list signing keys: current (signing), published (retired, still in the JWKS) or expired')
    .action(async (options: OutputOptions) => {
      await withDatabase(async ({ config, database }) => {
        const list = await listSigningKeys(database.db, retiredKeyGraceSeconds(config));
        printResult(options, list, () => printTable(['kid', 'alg', 'state', 'created', 'published_until'],
          list.map((key) => [key.kid, key.alg, key.state, key.createdAt.toISOString(), key.publishedUntil?.toISOString() ?? ''])));
      });
    });

  keys.command('rotate')
    .description('create a new key per algorithm and retire the current ones; restart the servers to sign with the new keys')
    .action(async () => {
      await withDatabase(async ({ config, database }) => {
        const box = createSecretBox(config.keyEncryptionSecret);
        const result = await rotateSigningKeys(database.db, box, retiredKeyGraceSeconds(config));
        const audit = createAuditLog({ db: database.db, logger: createLogger({ level: config.logLevel }) });
        await audit.record({ event: 'keys.rotated', details: { created: result.created.map((key) => key.kid), retired: result.retired, deleted: result.deleted } });
        for (const key of result.created) process.stdout.write(`created ${key.kid} (${key.alg})\n`);
        for (const kid of result.retired) process.stdout.write(`retired ${kid}\n`);
        for (const kid of result.deleted) process.stdout.write(`deleted ${kid} (publication period over)\n`);
        process.stdout.write('restart every server instance to start signing with the new keys\n');
      });
    });
}
