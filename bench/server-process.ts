import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { envSchema } from '../src/config/config-schema.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const READY_TIMEOUT_MS = 120_000;
/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

export interface ServerProcess {
  readonly label: string;
  readonly issuer: string;
  readonly pid: number;
  /** Resident set size of the child and its workers in kB (/proc/<pid>/status VmRSS). */
  rssKb(): Promise<number>;
  /**
   * CPU time the child and its live workers (WORKERS=N) have used so far
   * (user + system), in milliseconds (/proc/<pid>/stat).
   */
  cpuMs(): Promise<number>;
  /** Statements sent to Postgres and commands sent to Redis so far by the primary process (round-trip-counter.ts). */
  counters(): Promise<RoundTrips>;
  stop(): Promise<void>;
}

export interface RoundTrips {
  postgres: number;
  redis: number;
  /** Per statement shape, with BENCH_COUNT_DETAIL=1. */
  detail?: Record<string, number>;
}

export interface SpawnOptions {
  label: string;
  /** Entry file relative to the repository root: src/main.ts or bench/baseline-server.ts. */
  entry: string;
  env: Record<string, string>;
  /**
   * Directory for V8 CPU profiles (node --cpu-prof), written when the child
   * exits: one file per process (the primary and each worker) under <dir>/<label>/.
   */
  cpuProfileDir?: string;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => { probe.close(() => resolve()); });
  return port;
}

/** The parent's environment without any server setting, so a child sees only what it is given. */
function cleanEnv(): Record<string, string> {
  const configKeys = new Set(Object.keys(envSchema.shape));
  return Object.fromEntries(Object.entries(process.env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && !configKeys.has(entry[0]) && !entry[0].startsWith('BENCH_')));
}

/** GET discovery on a connection of its own (WORKERS=N: the kernel picks a worker per connection). */
function discoveryAnswers(issuer: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${issuer}/.well-known/openid-configuration`, { agent: false, headers: { connection: 'close' }, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/**
 * Ready once discovery answered on several fresh connections in a row, so
 * every worker of a WORKERS=N server has finished starting (a worker still
 * starting answers 503, src/http/answer-while-starting.ts).
 */
async function waitReady(child: ChildProcess, issuer: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let inARow = 0;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready:\n${stderr()}`);
    inARow = (await discoveryAnswers(issuer)) ? inARow + 1 : 0;
    if (inARow >= 6) return;
    if (inARow === 0) await sleep(100);
  }
  throw new Error(`server at ${issuer} was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${stderr()}`);
}

/** utime + stime of one process in ms, or 0 when it is gone. */
async function processCpuMs(pid: number): Promise<number> {
  // Fields 14 and 15 (utime, stime) in clock ticks, counted after the
  // command name, which is in parentheses and may contain spaces.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** The process and its direct children (node:cluster workers), from /proc. */
async function processTree(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 (ppid), the second after the parenthesised command name.
    if (stat && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
  }
  return [pid, ...children];
}

/** Spawns one server as a child process on 127.0.0.1 and waits until discovery answers. */
export async function spawnServer({ label, entry, env, cpuProfileDir }: SpawnOptions): Promise<ServerProcess> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  // Workers inherit the flags (node:cluster forks with process.execArgv); default file names carry the pid.
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(cpuProfileDir, label)}`] : [];
  const counter = ['--import', path.join(REPO_ROOT, 'bench', 'round-trip-counter.ts')];
  // Node flags for every server alike, ours and the baseline (some, such as
  // --experimental-async-context-frame, are refused in NODE_OPTIONS).
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, ...profile, '--import', 'tsx', ...counter, path.join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), ...env, PORT: String(port), HOST: '127.0.0.1', ISSUER: issuer, BENCH_COUNT_DETAIL: process.env.BENCH_COUNT_DETAIL ?? '' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => { errors = (errors + chunk.toString()).slice(-4000); });
  try {
    await waitReady(child, issuer, () => errors);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const pid = child.pid as number;
  return {
    label,
    issuer,
    pid,
    async rssKb() {
      let total = 0;
      for (const member of await processTree(pid)) {
        const status = await readFile(`/proc/${member}/status`, 'utf8').catch(() => '');
        total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      }
      return total;
    },
    async cpuMs() {
      // A worker that exited took its CPU time with it; workers only exit at shutdown.
      const times = await Promise.all((await processTree(pid)).map(processCpuMs));
      return times.reduce((sum, ms) => sum + ms, 0);
    },
    counters() {
      return new Promise<RoundTrips>((resolve) => {
        const timer = setTimeout(() => { child.off('message', onMessage); resolve({ postgres: Number.NaN, redis: Number.NaN }); }, 5_000);
        const onMessage = (message: unknown) => {
          const counters = (message as { counters?: RoundTrips } | null)?.counters;
          if (!counters) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(counters);
        };
        child.on('message', onMessage);
        child.send('counters');
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
