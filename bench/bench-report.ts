import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ScenarioResult } from './run-scenario.js';

/** postgres+redis, postgres+redis×2 (WORKERS=2), pglite or baseline. */
export type ServerLabel = string;

export interface Measurement extends ScenarioResult {
  /** Server CPU time per answered request: robust to a busy machine, unlike req/s. */
  cpuMsPerRequest: number;
  round: number;
  scenario: string;
  server: ServerLabel;
  /** Postgres statements and Redis commands per request, from the server's primary process (round-trip-counter.ts). */
  roundTrips: { postgres: number; redis: number };
  /** When the load ran, in the monotonic clock of V8's CPU profiles (µs), to cut a profile to this measurement. */
  window: { startUs: number; endUs: number };
}

export interface SummaryRow {
  scenario: string;
  server: ServerLabel;
  reqPerSec: number;
  p50: number;
  /** The worst p99 over the rounds. */
  p99: number;
  errors: number;
  cpuMsPerRequest: number;
  /** req/s over the baseline's req/s in the same run. */
  ratio: number;
  /** Server CPU per request over the baseline's, in the same run. */
  cpuRatio: number;
  /** Postgres statements and Redis commands per request (mean over the rounds). */
  roundTrips: { postgres: number; redis: number };
}

export interface SoakReport {
  server: ServerLabel;
  seconds: number;
  requests: number;
  targetRate: number;
  reqPerSec: number;
  p99: number;
  errors: number;
  rssStartKb: number;
  rssEndKb: number;
  rssGrowthPercent: number;
  rssSamplesKb: number[];
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);

/** Mean req/s and p50 over the rounds, worst p99, summed errors, ratio to the baseline. */
export function summarise(measurements: Measurement[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const scenarios = [...new Set(measurements.map((m) => m.scenario))];
  for (const scenario of scenarios) {
    const of = (server: ServerLabel) => measurements.filter((m) => m.scenario === scenario && m.server === server);
    const baseline = mean(of('baseline').map((m) => m.reqPerSec));
    const baselineCpu = mean(of('baseline').map((m) => m.cpuMsPerRequest));
    for (const server of [...new Set(measurements.map((m) => m.server))]) {
      const runs = of(server);
      if (!runs.length) continue;
      const reqPerSec = mean(runs.map((m) => m.reqPerSec));
      const cpuMsPerRequest = mean(runs.map((m) => m.cpuMsPerRequest));
      rows.push({
        scenario, server, reqPerSec,
        p50: mean(runs.map((m) => m.p50)),
        p99: Math.max(...runs.map((m) => m.p99)),
        errors: runs.reduce((sum, m) => sum + m.errors, 0),
        cpuMsPerRequest,
        ratio: baseline > 0 ? reqPerSec / baseline : Number.NaN,
        cpuRatio: baselineCpu > 0 ? cpuMsPerRequest / baselineCpu : Number.NaN,
        roundTrips: { postgres: mean(runs.map((m) => m.roundTrips.postgres)), redis: mean(runs.map((m) => m.roundTrips.redis)) },
      });
    }
  }
  return rows;
}

export function formatMeasurement(m: Measurement): string {
  const error = m.firstError ? `  first error: ${m.firstError}` : '';
  return `round ${m.round}  ${m.scenario.padEnd(18)} ${m.server.padEnd(17)} ${m.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${String(m.p50).padStart(3)} ms  p99 ${String(m.p99).padStart(4)} ms  cpu ${m.cpuMsPerRequest.toFixed(3)} ms/req  errors ${m.errors}${error}`;
}

const trips = (value: number) => (Number.isFinite(value) ? value.toFixed(2).padStart(6) : '     -');

export function formatSummary(rows: SummaryRow[]): string {
  const lines = ['scenario           server             req/s   p50 ms  p99 ms  errors  cpu ms/req  × baseline  cpu × baseline  pg/req  redis/req'];
  for (const row of rows) {
    const cpuRatio = Number.isFinite(row.cpuRatio) ? row.cpuRatio.toFixed(2) : '-';
    lines.push(`${row.scenario.padEnd(18)} ${row.server.padEnd(17)} ${row.reqPerSec.toFixed(0).padStart(6)}  ${row.p50.toFixed(1).padStart(6)}  ${String(row.p99).padStart(6)}  ${String(row.errors).padStart(6)}  ${row.cpuMsPerRequest.toFixed(3).padStart(10)}  ${row.ratio.toFixed(2).padStart(10)}  ${cpuRatio.padStart(14)}  ${trips(row.roundTrips.postgres)}  ${trips(row.roundTrips.redis).padStart(9)}`);
  }
  return lines.join('\n');
}

export function machine(): Record<string, unknown> {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryMb: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    note: 'load generator (autocannon), the servers, Postgres and Redis share this machine',
    loadAverage: os.loadavg(),
  };
}

export async function writeReport(dir: string, stamp: string, report: Record<string, unknown>): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${stamp}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
