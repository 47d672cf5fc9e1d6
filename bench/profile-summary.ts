/**
 * `tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a server's
 * CPU time went (profiles from BENCH_CPU_PROF=1), by function (self time)
 * and by package or source folder.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string): string {
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  const own = /\/work\/[^/]+\/[^/]+\/((?:src|adapters|interactions)\/[^/]+)/.exec(url) ?? /\/((?:src|adapters|interactions|bench)\/[^/]+)/.exec(url);
  if (own) return own[1];
  if (url.startsWith('node:')) return url;
  return url === '' ? '(native: gc, socket writes, crypto)' : url;
}

function top(map: Map<string, number>, total: number, count: number): string[] {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, count)
    .map(([name, micros]) => `${((micros / total) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`);
}

const [file, count = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(1);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map<string, number>();
const areaTime = new Map<string, number>();
// Idle time is the server waiting (for the network, Postgres, Redis); the
// shares below are of the time it was busy.
const IDLE = new Set(['(idle)', '(program)']);
let total = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const delta = profile.timeDeltas[i] ?? 0;
  if (!node) return;
  if (IDLE.has(node.callFrame.functionName)) {
    idle += delta;
    return;
  }
  total += delta;
  const { functionName, url, lineNumber } = node.callFrame;
  const name = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/work\/main\//, '')}:${lineNumber + 1}`;
  selfTime.set(name, (selfTime.get(name) ?? 0) + delta);
  areaTime.set(area(url), (areaTime.get(area(url)) ?? 0) + delta);
});
console.log(`busy ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms\n\nby area (share of busy time):`);
console.log(top(areaTime, total, Number(count)).join('\n'));
console.log('\nby function (self time):');
console.log(top(selfTime, total, Number(count)).join('\n'));
