import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchSettings } from './bench-settings.js';
import type { ServerLabel } from './bench-report.js';
import type { FormSession } from './form-session.js';
import { clientCredentialsToken, mintDeviceCodes, mintRefreshTokens, signIn } from './mint-credentials.js';
import { preparePglite, preparePostgresRedis } from './prepare-stores.js';
import { profileDirName } from './profile-layers.js';
import type { ServerFixtures } from './scenarios.js';
import { spawnServer, type ServerProcess } from './server-process.js';

/** Signed-in sessions per server: codes and tokens spread over that many grants. */
const SESSIONS = 16;
/** Refresh tokens in flight per server; each answer puts its rotated token back. */
const REFRESH_POOL = 64;
const DEVICE_CODES = 32;

export interface BenchTarget {
  label: ServerLabel;
  server: ServerProcess;
  sessions: FormSession[];
  fixtures: ServerFixtures;
}

export interface BenchTargets {
  targets: BenchTarget[];
  close(): Promise<void>;
}

async function mintFixtures(server: ServerProcess): Promise<Omit<BenchTarget, 'label' | 'server'>> {
  const { sessions, refreshTokens, accessToken } = await signIn(server.issuer, SESSIONS);
  refreshTokens.push(...await mintRefreshTokens(server.issuer, sessions, REFRESH_POOL - refreshTokens.length));
  return {
    sessions,
    fixtures: {
      clientCredentialsToken: await clientCredentialsToken(server.issuer),
      userAccessToken: accessToken,
      refreshTokens,
      codes: [],
      deviceCodes: await mintDeviceCodes(server.issuer, DEVICE_CODES),
    },
  };
}

/**
 * Prepares the stores, spawns (a) our server on Postgres + Redis, (b) our
 * server on the embedded PGlite and (c) the bare oidc-provider baseline, all
 * with the same signing keys and clients, and mints each one's fixtures.
 */
export async function startTargets(settings: BenchSettings, profileDir: string | undefined): Promise<BenchTargets> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error('cleanup failed:', err));
  };
  try {
    const postgres = await preparePostgresRedis(settings.serverLogLevel);
    cleanups.push(postgres.cleanup);
    const pglite = settings.servers.includes('pglite') ? await preparePglite(settings.serverLogLevel, postgres.keys) : undefined;
    if (pglite) cleanups.push(pglite.cleanup);
    const configDir = await mkdtemp(path.join(os.tmpdir(), 'bench_baseline-'));
    cleanups.push(() => rm(configDir, { recursive: true, force: true }));
    const baselineConfig = path.join(configDir, 'baseline.json');
    await writeFile(baselineConfig, JSON.stringify({ keys: postgres.keys }), { mode: 0o600 });

    // WORKERS=N (node:cluster) side by side on the same stores: postgres+redis, postgres+redis×2, …
    const ours = settings.servers.includes('postgres+redis') ? settings.workers.map((workers) => ({
      label: workers === 1 ? 'postgres+redis' : `postgres+redis×${workers}`, entry: 'src/main.ts',
      env: { ...postgres.env, WORKERS: String(workers), ...settings.serverEnv },
    })) : [];
    const specs: Array<{ label: ServerLabel; entry: string; env: Record<string, string> }> = [
      ...ours,
      ...(pglite ? [{ label: 'pglite', entry: 'src/main.ts', env: { ...pglite.env, ...settings.serverEnv } }] : []),
      {
        label: 'baseline', entry: 'bench/baseline-server.ts',
        env: { NODE_ENV: 'production', COOKIE_KEYS: randomBytes(32).toString('base64url'), BENCH_BASELINE_CONFIG: baselineConfig },
      },
    ];
    const targets: BenchTarget[] = [];
    for (const spec of specs) {
      const server = await spawnServer({ ...spec, label: profileDirName(spec.label), cpuProfileDir: profileDir });
      cleanups.push(() => server.stop());
      targets.push({ label: spec.label, server, ...await mintFixtures(server) });
    }
    return { targets, close };
  } catch (err) {
    await close();
    throw err;
  }
}
