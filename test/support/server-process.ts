import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the process wrote to stdout (pino's JSON lines) so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process ended. */
  readonly exited: Promise<number | string>;
  /** SIGKILL if still running (afterAll safety net). */
  kill(): void;
}

/** A free TCP port on 127.0.0.1 (taken and released at once). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => { probe.close(() => resolve()); });
  return port;
}

/**
 * Starts `command` (default: the real server, `tsx src/main.ts`) as a child
 * process with exactly `env` (plus PATH and HOME), and waits until GET
 * /healthz answers on `port` — polled, bounded by `timeoutMs`.
 */
export async function startServerProcess(env: Record<string, string>, options: { port: number; command?: string[]; timeoutMs?: number }): Promise<ServerProcess> {
  const [file, ...args] = options.command ?? [path.join(PROJECT_ROOT, 'node_modules/.bin/tsx'), 'src/main.ts'];
  const child = spawn(file, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
  child.stderr!.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  let running = true;
  void exited.then(() => { running = false; });

  const deadline = Date.now() + (options.timeoutMs ?? 45_000);
  while (Date.now() < deadline) {
    if (!running) throw new Error(`server process exited during startup:\n${out}`);
    if (await isHealthy(options.port)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (Date.now() >= deadline) {
    child.kill('SIGKILL');
    throw new Error(`server process did not become healthy:\n${out}`);
  }
  return {
    child,
    port: options.port,
    output: () => out,
    exited,
    kill: () => { if (running) child.kill('SIGKILL'); },
  };
}

/**
 * GET /healthz on a connection of its own, closed afterwards: a pooled
 * keep-alive connection left idle would hold the server's graceful shutdown
 * until its deadline.
 */
function isHealthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/healthz', agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

/** The network error code behind a failed fetch (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET…). */
export function fetchErrorCode(err: unknown): string {
  let cause: unknown = err;
  for (let depth = 0; depth < 4 && cause; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return err instanceof Error ? err.message : String(err);
}
