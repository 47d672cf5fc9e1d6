import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { waitFor } from './wait-for.js';

export interface RedisServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
}

export function redisCli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 }).stdout;
}

/**
 * A redis-server (or sentinel) of the test's own on 127.0.0.1. Redis cannot
 * bind port 0 and report the port, so a random high port is tried, and one
 * found taken (the process exits at once) is replaced by another: no port is
 * probed and released for someone else to take in between.
 */
export async function startRedisServer(argsFor: (port: number) => string[] | Promise<string[]>): Promise<RedisServerProcess> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = randomInt(20_000, 60_000);
    const child = spawn('redis-server', await argsFor(port), { stdio: 'ignore' });
    let exited = false;
    child.once('exit', () => { exited = true; });
    const up = await waitFor(`redis-server on ${port}`, () => exited || redisCli(port, 'ping').trim() === 'PONG');
    if (up && !exited) return { child, port };
  }
  throw new Error('no free port for redis-server after 20 attempts');
}
