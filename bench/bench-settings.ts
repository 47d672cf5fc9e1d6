/**
 * What one `npm run bench` does, from the environment. Everything is bounded
 * in time: the default run takes about 10 minutes, BENCH_QUICK=1 about one.
 */
export interface BenchSettings {
  quick: boolean;
  /** Seconds of load per scenario, per server, per round. */
  scenarioSeconds: number;
  rounds: number;
  connections: number;
  soakSeconds: number;
  /**
   * A count-bounded soak instead of a timed one (BENCH_SOAK_REQUESTS): the
   * same number of requests however busy the machine is.
   */
  soakRequests: number | undefined;
  /** Writes a V8 CPU profile of each server child into bench/reports/ (`node --cpu-prof`). */
  cpuProfile: boolean;
  /** Only these scenarios (comma-separated names), for profiling one hot path. */
  only: string[] | undefined;
  /** Which servers to run (BENCH_SERVERS=postgres+redis,pglite,baseline); the baseline always runs. */
  servers: string[];
  /** Worker counts for the Postgres + Redis server (BENCH_WORKERS=1,2): WORKERS=N, side by side. */
  workers: number[];
  /** pino level of the server children; request logging is not what is measured. */
  serverLogLevel: string;
  /** Extra settings for our two servers (BENCH_SERVER_ENV="DATABASE_POOL_SIZE=20,…"), to compare tunings. */
  serverEnv: Record<string, string>;
}

function positive(value: string | undefined, fallback: number, allowZero = false): number {
  const parsed = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(parsed) && (parsed > 0 || (allowZero && parsed === 0)) ? parsed : fallback;
}

function list(value: string | undefined): string[] | undefined {
  const items = (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  return items.length ? items : undefined;
}

export function readBenchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const workers = (list(env.BENCH_WORKERS) ?? ['1', '2']).map(Number).filter((count) => Number.isInteger(count) && count > 0);
  return {
    quick,
    scenarioSeconds: positive(env.BENCH_SCENARIO_SECONDS, quick ? 1 : 5),
    rounds: Math.max(2, Math.floor(positive(env.BENCH_ROUNDS, 2))),
    connections: Math.floor(positive(env.BENCH_CONNECTIONS, 16)),
    // 0 skips the soak.
    soakSeconds: positive(env.BENCH_SOAK_SECONDS, quick ? 5 : 180, true),
    soakRequests: env.BENCH_SOAK_REQUESTS ? Math.floor(positive(env.BENCH_SOAK_REQUESTS, 0, true)) || undefined : undefined,
    cpuProfile: env.BENCH_CPU_PROF === '1',
    only: list(env.BENCH_ONLY),
    servers: list(env.BENCH_SERVERS) ?? ['postgres+redis', 'pglite', 'baseline'],
    workers: workers.length ? [...new Set(workers)] : [1],
    serverLogLevel: env.BENCH_LOG_LEVEL ?? 'warn',
    serverEnv: Object.fromEntries((env.BENCH_SERVER_ENV ?? '').split(',').filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()])),
  };
}
