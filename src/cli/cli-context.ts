import { loadConfig, type Config } from '../config/load-config.js';
import { createDb, type DatabaseHandle } from '../db/create-db.js';

export interface CliContext {
  config: Config;
  database: DatabaseHandle;
}

/** Opens the database for one command and always closes it again. */
export async function withDatabase<T>(run: (context: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await createDb(config);
  try {
    return await run({ config, database });
  } finally {
    await database.close();
  }
}

/** Reads a secret from standard input (one line), never from argv where `ps` would show it. */
export async function readSecretFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
