import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
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

/** SIGKILL to the child and everything it started (its process group). */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** The port the server reports in its "listening" log line (it binds PORT=0 itself, so no port is raced for). */
function reportedPort(out: string): number | undefined {
  for (const line of out.split('\n')) {
    if (!line.includes('OpenID Provider listening')) continue;
    try {
      const port = (JSON.parse(line) as { port?: unknown }).port;
      if (typeof port === 'number' && port > 0) return port;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

/**
 * Starts `command` (default: the real server, `node --import tsx src/main.ts`) as a child
 * process with exactly `env` (plus PATH and HOME) and PORT=0 unless `env`
 * names a port, logging at least at info (the port is read from the log), reads the port it bound from its log, and waits until GET
 * /healthz answers there. `timeoutMs` only bounds a broken start; a slow
 * machine just waits longer.
 */
export async function startServerProcess(env: Record<string, string>, options: { command?: string[]; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const [file, ...args] = options.command ?? [process.execPath, '--import', 'tsx', 'src/main.ts'];
  const child = spawn(file, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', ...env, LOG_LEVEL: env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace' ? env.LOG_LEVEL : 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a command may start processes of its own (the
    // tsx CLI, WORKERS=N), and a SIGKILL to the parent alone would leave them
    // running as orphans.
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
  child.stderr!.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  let running = true;
  void exited.then(() => { running = false; });

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let port: number | undefined;
  while (Date.now() < deadline) {
    if (!running) throw new Error(`server process exited during startup:\n${out}`);
    port ??= reportedPort(out);
    if (port && await isHealthy(port)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (Date.now() >= deadline) {
    killGroup(child);
    throw new Error(`server process did not become healthy:\n${out}`);
  }
  return {
    child,
    port: port!,
    output: () => out,
    exited,
    kill: () => { if (running) killGroup(child); },
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

/**
 * Runs the real server with exactly `env` (plus PATH and HOME) until it exits
 * on its own: for starts that must be refused. Resolves with the exit code and
 * everything it wrote to stdout and stderr.
 */
export async function runServerToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  const [code] = await once(child, 'exit') as [number | null];
  return { code, output };
}
