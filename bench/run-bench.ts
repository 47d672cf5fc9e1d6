/**
 * `npm run bench`: our server on Postgres + Redis, on the embedded PGlite,
 * and the bare oidc-provider baseline, each a child process on 127.0.0.1,
 * measured interleaved (A/B/C per scenario, over at least two rounds) with
 * autocannon, then a bounded soak on Postgres + Redis. Prints the figures and
 * writes bench/reports/<timestamp>.json. BENCH_QUICK=1 for a one-minute run.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  formatMeasurement, formatSummary, machine, summarise, writeReport, type Measurement, type SoakReport,
} from './bench-report.js';
import { readBenchSettings, type BenchSettings } from './bench-settings.js';
import { formatBreakdown, layerBreakdown, layersPerRequest, profileDirName, readProfiles } from './profile-layers.js';
import { startTargets, type BenchTarget } from './bench-targets.js';
import { mintCodes, mintRefreshTokens } from './mint-credentials.js';
import { runScenario } from './run-scenario.js';
import { SCENARIOS, scenarioRequest, type ScenarioName } from './scenarios.js';
import { REPO_ROOT, type RoundTrips } from './server-process.js';

const REPORTS_DIR = path.join(REPO_ROOT, 'bench', 'reports');

const NOT_COUNTED: RoundTrips = { postgres: Number.NaN, redis: Number.NaN };

/** The clock V8 stamps CPU profile samples with (CLOCK_MONOTONIC), in µs. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Enough codes for one measurement: the last measured rate with a margin, bounded. */
function codePoolSize(settings: BenchSettings, previous: Measurement[], target: BenchTarget): number {
  const known = previous.filter((m) => m.server === target.label && (m.scenario === 'code_redemption' || m.scenario === 'refresh_rotation'));
  const rate = known.length ? Math.max(...known.map((m) => m.reqPerSec)) : 1000;
  const cap = settings.quick ? 3000 : 15_000;
  return Math.min(cap, Math.max(200, Math.ceil(rate * settings.scenarioSeconds * 1.4) + settings.connections));
}

async function measure(settings: BenchSettings, target: BenchTarget, scenario: ScenarioName, round: number, previous: Measurement[]): Promise<Measurement> {
  // Answers in flight when a run stops are dropped with their rotated tokens: top the queue up.
  if (scenario === 'refresh_rotation' && target.fixtures.refreshTokens.length < settings.connections * 3) {
    target.fixtures.refreshTokens.push(...await mintRefreshTokens(target.server.issuer, target.sessions, settings.connections * 4 - target.fixtures.refreshTokens.length));
  }
  if (scenario === 'code_redemption') {
    target.fixtures.codes = await mintCodes(target.server.issuer, target.sessions, codePoolSize(settings, previous, target));
  }
  const cpuBefore = await target.server.cpuMs();
  // Statements are counted in the primary process only: not for WORKERS=N (its workers send them).
  const counting = !target.label.includes('×');
  const tripsBefore = counting ? await target.server.counters() : NOT_COUNTED;
  const startUs = monotonicUs();
  const result = await runScenario(scenarioRequest(scenario, target.fixtures), {
    url: target.server.issuer, connections: settings.connections, seconds: settings.scenarioSeconds,
  });
  const window = { startUs, endUs: monotonicUs() };
  const cpuMsPerRequest = (await target.server.cpuMs() - cpuBefore) / Math.max(result.requests, 1);
  const tripsAfter = counting ? await target.server.counters() : NOT_COUNTED;
  // In-flight answers cut off at the end are not counted in `requests`: a small overcount.
  const per = (after: number, before: number) => (after - before) / Math.max(result.requests, 1);
  const roundTrips = { postgres: per(tripsAfter.postgres, tripsBefore.postgres), redis: per(tripsAfter.redis, tripsBefore.redis) };
  if (tripsAfter.detail) {
    const shapes = Object.entries(tripsAfter.detail).map(([shape, count]) => [shape, per(count, tripsBefore.detail?.[shape] ?? 0)] as const)
      .filter(([, count]) => count >= 0.01).sort((a, b) => b[1] - a[1]);
    console.log(shapes.map(([shape, count]) => `    ${count.toFixed(2)}  ${shape}`).join('\n'));
  }
  return { ...result, cpuMsPerRequest, roundTrips, round, scenario, server: target.label, window };
}

async function soak(settings: BenchSettings, target: BenchTarget, peak: number): Promise<SoakReport> {
  const targetRate = Math.max(50, Math.round(peak / 2));
  const bound = settings.soakRequests ? `${settings.soakRequests} requests` : `${settings.soakSeconds} s`;
  console.log(`\nsoak: client_credentials on ${target.label} at ${targetRate} req/s, ${bound}`);
  const rssStartKb = await target.server.rssKb();
  const samples = [rssStartKb];
  const sampler = setInterval(() => { void target.server.rssKb().then((kb) => samples.push(kb)); }, 10_000);
  const result = await runScenario(scenarioRequest('client_credentials', target.fixtures), {
    url: target.server.issuer, connections: settings.connections, overallRate: targetRate,
    ...(settings.soakRequests ? { amount: settings.soakRequests } : { seconds: settings.soakSeconds }),
  }).finally(() => clearInterval(sampler));
  const rssEndKb = await target.server.rssKb();
  samples.push(rssEndKb);
  return {
    server: target.label, seconds: result.seconds, requests: result.requests, targetRate, reqPerSec: result.reqPerSec, p99: result.p99, errors: result.errors,
    rssStartKb, rssEndKb, rssGrowthPercent: ((rssEndKb - rssStartKb) / rssStartKb) * 100, rssSamplesKb: samples,
  };
}

async function main(): Promise<void> {
  const settings = readBenchSettings();
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const profileDir = settings.cpuProfile ? path.join(REPORTS_DIR, `profiles-${stamp}`) : undefined;
  const scenarios = SCENARIOS.filter((name) => !settings.only || settings.only.includes(name));
  console.log(`bench: ${settings.rounds} rounds × ${scenarios.length} scenarios × ${settings.servers.join(', ')} (workers ${settings.workers.join(', ')}), `
    + `${settings.scenarioSeconds} s each, ${settings.connections} connections`);
  const { targets, close } = await startTargets(settings, profileDir);
  // Ctrl-C stops the server children and drops the schema and keys too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => { void close().finally(() => process.exit(130)); });
  }
  const measurements: Measurement[] = [];
  let soakReport: SoakReport | undefined;
  try {
    // Warm-up (not recorded): JIT and connection pools, as a running server has them.
    for (const target of targets) {
      await runScenario(scenarioRequest('client_credentials', target.fixtures), { url: target.server.issuer, connections: settings.connections, seconds: 1 });
    }
    for (let round = 1; round <= settings.rounds; round += 1) {
      for (const scenario of scenarios) {
        for (const target of targets) {
          const measurement = await measure(settings, target, scenario, round, measurements);
          measurements.push(measurement);
          console.log(formatMeasurement(measurement));
          await sleep(200);
        }
      }
    }
    const primary = targets[0];
    const peaks = measurements.filter((m) => m.server === primary.label && m.scenario === 'client_credentials').map((m) => m.reqPerSec);
    if ((settings.soakSeconds > 0 || settings.soakRequests) && peaks.length) soakReport = await soak(settings, primary, Math.max(...peaks));
  } finally {
    await close();
  }
  const summary = summarise(measurements);
  console.log(`\n${formatSummary(summary)}`);
  const profileLayers = profileDir ? await profileBreakdowns(profileDir, measurements) : undefined;
  if (soakReport) {
    console.log(`\nsoak ${soakReport.server}: ${soakReport.reqPerSec.toFixed(0)} req/s (target ${soakReport.targetRate}), p99 ${soakReport.p99} ms, errors ${soakReport.errors}, `
      + `RSS ${(soakReport.rssStartKb / 1024).toFixed(1)} → ${(soakReport.rssEndKb / 1024).toFixed(1)} MB (${soakReport.rssGrowthPercent.toFixed(1)}%)`);
  }
  const file = await writeReport(REPORTS_DIR, stamp, {
    startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine: machine(), settings, summary, soak: soakReport, profileLayers, measurements,
  });
  console.log(`\nreport: ${path.relative(REPO_ROOT, file)}${profileDir ? `\nCPU profiles: ${path.relative(REPO_ROOT, profileDir)}` : ''}`);
}

/**
 * Per server and scenario, CPU per request (from /proc) split by layer in the
 * proportions of the profile samples taken while that scenario ran
 * (profile-layers.ts).
 */
async function profileBreakdowns(profileDir: string, measurements: Measurement[]): Promise<ProfileLayersReport> {
  const report: ProfileLayersReport = [];
  console.log('\nCPU by layer (µs per request: /proc CPU split by the shares of the CPU profile):');
  for (const server of new Set(measurements.map((m) => m.server))) {
    const profiles = await readProfiles(path.join(profileDir, profileDirName(server)));
    if (!profiles.length) continue;
    for (const scenario of new Set(measurements.map((m) => m.scenario))) {
      const runs = measurements.filter((m) => m.server === server && m.scenario === scenario);
      const requests = runs.reduce((sum, m) => sum + m.requests, 0);
      const cpuUs = (runs.reduce((sum, m) => sum + m.cpuMsPerRequest * m.requests, 0) / Math.max(requests, 1)) * 1000;
      const breakdown = layerBreakdown(profiles, runs.map((m) => m.window));
      console.log(`${scenario.padEnd(18)} ${server.padEnd(17)} ${formatBreakdown(breakdown, cpuUs)}`);
      const share = (ms: number) => Math.round((ms / Math.max(breakdown.busyMs, 1e-9)) * 1000) / 10;
      report.push({
        server, scenario, requests, cpuUsPerRequest: Math.round(cpuUs),
        layersUsPerRequest: layersPerRequest(breakdown, cpuUs),
        topFunctions: breakdown.topFunctions.map(({ name, ms }) => ({ name, percent: share(ms) })),
      });
    }
  }
  return report;
}

type ProfileLayersReport = Array<{
  server: string; scenario: string; requests: number; cpuUsPerRequest: number;
  layersUsPerRequest: Record<string, number>; topFunctions: Array<{ name: string; percent: number }>;
}>;

main().catch((err: unknown) => {
  console.error('bench failed:', err);
  process.exit(1);
});
