import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataDirLockedError, lockDataDir } from '../../src/db/data-dir-lock.js';

describe('the embedded data folder lock', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'data-dir-lock-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('refuses a second opener while held and frees the folder on release', async () => {
    const release = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    await release();
    expect(existsSync(path.join(dir, 'lock'))).toBe(false);
    await (await lockDataDir(dir))();
  });

  it('takes over a lock left by a process that is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await writeFile(path.join(dir, 'lock'), gone);
    const release = await lockDataDir(dir);
    await release();
  });
});
