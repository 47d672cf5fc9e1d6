import { loadConfig, type Config } from '../config/load-config.js';
import { createDb, type DatabaseHandle } from '../db/create-db.js';

export interface CliContext {
  config: Config;
  database: DatabaseHandle;
}

/**
 * Opens the database for one command and always closes it again. On the
 * embedded database, while a server runs on DATA_DIR, the command works
 * through the server (src/db/join-embedded-server.ts) and the server sees its
 * changes at once.
 */
export async function withDatabase<T>(run: (context: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await createDb(config, { joinRunningServer: true });
  try {
    return await run({ config, database });
  } finally {
    await database.close();
  }
}

/** Reads a terminal line with echo off, so the password never appears on screen. */
function readHiddenLine(input: NodeJS.ReadStream & { setRawMode(mode: boolean): void }): Promise<string> {
  return new Promise((resolve, reject) => {
    let line = '';
    const finish = (result: () => void) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      result();
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(() => resolve(line));
        if (char === '\u0003' || char === '\u0004') return finish(() => reject(new Error('cancelled')));
        line = char === '\u007f' || char === '\b' ? line.slice(0, -1) : line + char;
      }
      return undefined;
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}

/**
 * Reads a secret from standard input, never from argv where `ps` and shell
 * history would keep it: piped input up to the end (one trailing newline
 * dropped), or one line typed at a terminal with echo off.
 */
export async function readSecretFromStdin(prompt = 'Password: '): Promise<string> {
  if (process.stdin.isTTY) {
    process.stderr.write(prompt);
    return readHiddenLine(process.stdin);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
