import { open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * PGlite is one process's database: two processes on one data folder write
 * older pages over each other's changes. The process that opens the folder
 * holds `<dataDir>/lock` (its pid inside); a second opener refuses with one
 * line (the CLI first tries the socket a running server serves the folder
 * on: create-embedded-db.ts). A lock left by a killed process is taken over
 * once its pid is gone.
 */
export class DataDirLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(`the embedded database in ${dir} is in use by process ${pid}: stop it first, or set DATABASE_URL`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryCreate(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Takes the lock on `dir` or throws DataDirLockedError; returns its release. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, 'lock');
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (await tryCreate(file)) return () => unlink(file).catch(() => {});
    const pid = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) throw new DataDirLockedError(dir, pid);
    if (pid === process.pid) throw new DataDirLockedError(dir, pid);
    await unlink(file).catch(() => {}); // stale: its process is gone
  }
  throw new Error(`could not take the lock on ${dir}`);
}
