/**
 * Where a server's CPU time went, by layer, from V8 CPU profiles
 * (BENCH_CPU_PROF=1), optionally cut to the time window of one measurement.
 * V8 stamps samples with the monotonic clock that process.hrtime() reads, so
 * the parent's measurement windows select the child's samples directly.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export const LAYERS = [
  'our middleware & hooks', 'oidc-provider', 'adapters', 'drivers', 'logging', 'metrics', 'koa & node http', 'gc', 'socket writes',
  'native (unattributed)', 'other',
] as const;
export type Layer = (typeof LAYERS)[number];

/** Busy milliseconds per layer; idle time (waiting for I/O) is not busy. */
export interface LayerBreakdown {
  busyMs: number;
  idleMs: number;
  layers: Record<Layer, number>;
  /** The costliest functions by self time (ms), for the report. */
  topFunctions: Array<{ name: string; ms: number }>;
}

const SOCKET_WRITES = new Set(['writev', 'writeUtf8String', 'writeBuffer', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String', 'shutdown']);
const DRIVERS = new Set(['pg', 'pg-pool', 'pg-protocol', 'pg-types', 'postgres-array', 'ioredis', 'redis-parser', '@ioredis/commands',
  'standard-as-callback', 'cluster-key-slot', 'denque', 'kysely', 'kysely-pglite', '@electric-sql/pglite']);
const OIDC_PROVIDER = new Set(['oidc-provider', 'jose', 'oidc-token-hash', 'quick-lru', 'nanoid', 'paseto2', '@koa/cors', 'eta']);
const MIDDLEWARE_PACKAGES = new Set(['koa-helmet', 'helmet', '@koa/router', 'path-to-regexp', 'rate-limiter-flexible', '@koa/bodyparser']);
const KOA = new Set(['koa', 'koa-compose', 'on-finished', 'statuses', 'http-errors', 'content-type', 'mime-types', 'accepts', 'negotiator',
  'cookies', 'keygrip', 'type-is', 'vary', 'fresh', 'encodeurl', 'escape-html', 'raw-body', 'co-body', 'qs', 'destroy', 'delegates']);

function packageOf(url: string): string | undefined {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
}

/** The layer one frame belongs to, or undefined for frames that say nothing (node internals, natives). */
function layerOfFrame(url: string): Layer | undefined {
  const pkg = packageOf(url);
  if (pkg) {
    if (OIDC_PROVIDER.has(pkg)) return 'oidc-provider';
    if (DRIVERS.has(pkg)) return 'drivers';
    if (pkg === 'pino' || pkg === 'sonic-boom' || pkg.startsWith('pino-') || pkg === 'fast-redact' || pkg === 'quick-format-unescaped') return 'logging';
    if (pkg === 'prom-client' || pkg === 'tdigest' || pkg === 'bintrees') return 'metrics';
    if (MIDDLEWARE_PACKAGES.has(pkg)) return 'our middleware & hooks';
    if (KOA.has(pkg)) return 'koa & node http';
    return 'other';
  }
  if (/\/adapters\//.test(url)) return 'adapters';
  if (/\/src\/observability\/logger/.test(url)) return 'logging';
  if (/\/src\/observability\/metrics/.test(url)) return 'metrics';
  if (/\/(src|interactions)\//.test(url)) return 'our middleware & hooks';
  if (/^node:(_http|http|net|stream|internal\/http|internal\/streams|internal\/stream_base)/.test(url)) return 'koa & node http';
  return undefined;
}

export interface TimeWindow { startUs: number; endUs: number }

/** The layers of the samples taken inside any of `windows` (every sample without). */
export function layerBreakdown(profiles: CpuProfile[], windows?: readonly TimeWindow[]): LayerBreakdown {
  const layers = Object.fromEntries(LAYERS.map((layer) => [layer, 0])) as Record<Layer, number>;
  const self = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    // The innermost frame with a known layer decides; computed once per node.
    const resolved = new Map<number, Layer>();
    const layerOf = (id: number): Layer => {
      const known = resolved.get(id);
      if (known) return known;
      const node = byId.get(id);
      const { functionName, url } = node?.callFrame ?? { functionName: '', url: '' };
      let layer: Layer | undefined;
      if (functionName === '(garbage collector)') layer = 'gc';
      else if (functionName === '(program)') layer = 'native (unattributed)';
      else if (SOCKET_WRITES.has(functionName) && url === '') layer = 'socket writes';
      else layer = layerOfFrame(url);
      if (!layer) {
        const up = parent.get(id);
        layer = up === undefined || byId.get(up)?.callFrame.functionName === '(root)' ? 'other' : layerOf(up);
      }
      resolved.set(id, layer);
      return layer;
    };
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      const delta = profile.timeDeltas[i] ?? 0;
      at += delta;
      if (windows && !windows.some((window) => at >= window.startUs && at <= window.endUs)) return;
      const node = byId.get(id);
      if (!node) return;
      if (node.callFrame.functionName === '(idle)') {
        idle += delta;
        return;
      }
      busy += delta;
      layers[layerOf(id)] += delta;
      const { functionName, url, lineNumber } = node.callFrame;
      const name = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|adapters|interactions|bench)\//, '$1/')}:${lineNumber + 1}`;
      self.set(name, (self.get(name) ?? 0) + delta);
    });
  }
  const ms = (micros: number) => micros / 1000;
  return {
    busyMs: ms(busy),
    idleMs: ms(idle),
    layers: Object.fromEntries(Object.entries(layers).map(([layer, micros]) => [layer, ms(micros)])) as Record<Layer, number>,
    topFunctions: [...self].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([name, micros]) => ({ name, ms: ms(micros) })),
  };
}

/** A server label as a directory name: postgres+redis×2 → postgres-redis-2. */
export function profileDirName(label: string): string {
  return label.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '');
}

/** Every profile written under one server's directory (its primary and its workers). */
export async function readProfiles(dir: string): Promise<CpuProfile[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((file) => file.endsWith('.cpuprofile'));
  return Promise.all(files.map(async (file) => JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile));
}

/**
 * Layer shares of the profile's busy samples, applied to a measured CPU time
 * per request. A sample's time is wall time between samples, which a busy
 * machine stretches (the process waits for a core); the shares hold, the
 * absolute figures come from /proc (the caller's usPerRequest).
 */
export function layersPerRequest(breakdown: LayerBreakdown, usPerRequest: number): Record<Layer, number> {
  const busy = Math.max(breakdown.busyMs, 1e-9);
  return Object.fromEntries(LAYERS.map((layer) => [layer, Math.round((breakdown.layers[layer] / busy) * usPerRequest)])) as Record<Layer, number>;
}

/** One line: µs per request per layer, largest first. */
export function formatBreakdown(breakdown: LayerBreakdown, usPerRequest: number): string {
  const parts = Object.entries(layersPerRequest(breakdown, usPerRequest))
    .filter(([, value]) => value > 0).sort((a, b) => b[1] - a[1])
    .map(([layer, value]) => `${layer} ${value}`);
  return `cpu ${Math.round(usPerRequest)} µs/req: ${parts.join(', ')}`;
}
