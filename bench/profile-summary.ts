/**
 * `npx tsx bench/profile-summary.ts <profile dir or .cpuprofile> [report.json]`:
 * where a server's CPU time went (profiles from BENCH_CPU_PROF=1), by layer and
 * by function. Given the run's report, each scenario is cut to the windows in
 * which it ran and shown per request.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatBreakdown, layerBreakdown, profileDirName, readProfiles, type CpuProfile } from './profile-layers.js';

interface ReportView {
  measurements: Array<{ server: string; scenario: string; requests: number; cpuMsPerRequest: number; window?: { startUs: number; endUs: number } }>;
}

const [target, reportFile] = process.argv.slice(2);
if (!target) {
  console.error('usage: tsx bench/profile-summary.ts <profile dir or file.cpuprofile> [report.json]');
  process.exit(1);
}
const profiles: CpuProfile[] = statSync(target).isDirectory()
  ? await readProfiles(target)
  : [JSON.parse(readFileSync(target, 'utf8')) as CpuProfile];
const whole = layerBreakdown(profiles);
console.log(`whole life: busy ${whole.busyMs.toFixed(0)} ms, idle ${whole.idleMs.toFixed(0)} ms`);
for (const [layer, ms] of Object.entries(whole.layers).sort((a, b) => b[1] - a[1])) {
  if (ms > 0) console.log(`${((ms / whole.busyMs) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${layer}`);
}
console.log('\nby function (self time):');
for (const { name, ms } of whole.topFunctions) console.log(`${((ms / whole.busyMs) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`);

if (reportFile) {
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ReportView;
  const dir = path.basename(statSync(target).isDirectory() ? target : path.dirname(target));
  const mine = report.measurements.filter((m) => profileDirName(m.server) === dir && m.window);
  for (const scenario of new Set(mine.map((m) => m.scenario))) {
    const runs = mine.filter((m) => m.scenario === scenario);
    const requests = runs.reduce((sum, m) => sum + m.requests, 0);
    const cpuUs = (runs.reduce((sum, m) => sum + m.cpuMsPerRequest * m.requests, 0) / Math.max(requests, 1)) * 1000;
    const merged = layerBreakdown(profiles, runs.map((m) => m.window!));
    console.log(`\n${scenario}: ${formatBreakdown(merged, cpuUs)}`);
  }
}
