import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Debian's oidc-agent (oidc-agent, oidc-gen, oidc-token) run as a person
 * would, but with its own HOME (oidc-agent keeps its account files in
 * $HOME/.oidc-agent), its own agent socket and an encryption password from
 * the environment, so nothing is read from or left in the real account.
 */
export interface OidcAgent {
  readonly env: Readonly<Record<string, string>>;
  /** Starts `oidc-gen <args>`: non-interactive (--prompt=none, --pw-env, --confirm-yes, --no-url-call). */
  gen(args: string[]): ToolRun;
  /** Runs `oidc-token <args>` to completion. */
  token(args: string[]): Promise<{ code: number | null; output: string }>;
  stop(): Promise<void>;
}

export interface ToolRun {
  /** Resolves with the first match of `pattern` in everything printed so far or later; rejects if the tool exits first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** The exit code and everything printed (ANSI colours removed). */
  readonly exited: Promise<{ code: number | null; output: string }>;
}

// The QR code oidc-gen draws for the device flow is made of ANSI colour sequences.
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

function watch(child: ChildProcess): ToolRun {
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += stripAnsi(chunk.toString('utf8'));
    for (const check of waiters) check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; output: string }>((resolve) => {
    child.on('close', (code) => {
      for (const check of waiters) check();
      resolve({ code, output });
    });
  });
  return {
    exited,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            waiters.delete(check);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            reject(new Error(`${child.spawnfile} exited before printing ${pattern}:\n${output}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** A port nobody listens on right now, for oidc-gen's loopback redirect (`--port`). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => { server.close(() => resolve()); });
  return port;
}

/**
 * Waits for the agent's socket file: the condition that it accepts
 * connections. (What it prints to a pipe is block-buffered and shows up late.)
 */
async function waitForSocket(socket: string, agent: ToolRun): Promise<void> {
  let exited = false;
  void agent.exited.then(() => { exited = true; });
  for (let attempt = 0; attempt < 2000 && !exited; attempt += 1) {
    if (existsSync(socket)) return;
    await delay(25);
  }
  throw new Error(`oidc-agent did not create ${socket}:\n${(await Promise.race([agent.exited, Promise.resolve({ output: '(still running)' })])).output}`);
}

/** Starts `oidc-agent` in the foreground (-d) on a private socket; resolves once the socket exists. */
export async function startOidcAgent(): Promise<OidcAgent> {
  const home = mkdtempSync(path.join(tmpdir(), 'oidc-agent-test-'));
  const socket = path.join(home, 'agent', 'sock');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, OIDC_SOCK: socket, OIDC_ENCRYPTION_PW: 'agent-config-password-0123' };
  // --no-autoload: a token request never prompts to load an account.
  const agent = spawn('oidc-agent', ['-d', '--no-autoload', '-a', socket], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForSocket(socket, watch(agent));
  const children = new Set<ChildProcess>([agent]);
  const track = (child: ChildProcess) => {
    children.add(child);
    child.on('close', () => children.delete(child));
    return child;
  };
  return {
    env,
    gen: (args) => watch(track(spawn('oidc-gen', [...args, '--prompt=none', '--pw-env', '--confirm-yes', '--no-url-call'], { env, stdio: ['ignore', 'pipe', 'pipe'] }))),
    token: (args) => watch(track(spawn('oidc-token', args, { env, stdio: ['ignore', 'pipe', 'pipe'] }))).exited,
    async stop() {
      for (const child of children) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const closed = once(child, 'close');
        child.kill('SIGTERM');
        await closed;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
