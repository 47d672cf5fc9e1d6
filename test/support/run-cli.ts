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
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/**
 * Runs the real CLI (src/cli/main.ts) in a child process against a test
 * file's schema, feeding `input` on stdin. Only the variables the CLI needs
 * are passed, so nothing from the developer's shell leaks in.
 */
export function runCli(stores: Pick<TestStores, 'env'>, args: string[], input = ''): Promise<CliResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...stores.env };
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['src/cli/main.ts', ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
