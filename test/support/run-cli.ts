import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestStores } from './test-stores.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The entry point `npm run cli` runs (sources through tsx in a checkout). */
const CLI = path.join(ROOT, 'bin/cli.mjs');

/**
 * Runs the real CLI (bin/cli.mjs, as `npm run cli` does) in a child process against a test
 * file's schema, feeding `input` on stdin. Only the variables the CLI needs
 * are passed, so nothing from the developer's shell leaks in.
 */
export function runCli(stores: Pick<TestStores, 'env'>, args: string[], input = ''): Promise<CliResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...stores.env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    // A hung CLI must not hold the suite; generous, since a loaded machine is slow.
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
