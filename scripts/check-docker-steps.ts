/**
 * Runs the Dockerfile's build and start steps outside Docker, so CI without a
 * Docker daemon still proves the image would work:
 *   1. the Dockerfile keeps its shape (multi-stage, production deps, non-root, HEALTHCHECK);
 *   2. `npm run build` in a temporary copy of exactly what the Dockerfile copies;
 *   3. everything dist/ imports is a production dependency (what `npm install --omit=dev`
 *      installs; running that itself needs the network and minutes, so it is not run);
 *   4. without the sources (the runtime stage has dist/ and bin/ only), `npm run migrate`
 *      (the one-shot command, bin/cli.mjs running the compiled CLI) and `node dist/src/main.js` with
 *      NODE_ENV=production on embedded storage in a temporary DATA_DIR; /healthz,
 *      discovery and the HEALTHCHECK command itself must pass; SIGTERM exits 0;
 *   5. `docker compose config -q` when a Docker client with compose exists.
 * Usage: tsx scripts/check-docker-steps.ts   (exit code 0 = every step passed)
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { builtinModules } from 'node:module';
import { cp, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { get } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COPIED = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'adapters', 'interactions', 'migrations', 'bin'];
// What the build stage has and the runtime stage does not: removed after the build, so the run proves dist/ and bin/ suffice.
const BUILD_ONLY = ['tsconfig.json', 'tsconfig.build.json', 'src', 'adapters', 'interactions', 'migrations'];

function step(message: string): void {
  process.stdout.write(`check-docker-steps: ${message}\n`);
}

function fail(message: string): never {
  throw new Error(message);
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

async function checkDockerfile(): Promise<string> {
  const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
  const expectations: [RegExp, string][] = [
    [/^FROM node:22[^\s]* AS build$/m, 'a Node 22 build stage'],
    [/^FROM node:22[^\s]* AS runtime$/m, 'a Node 22 runtime stage'],
    [/^RUN npm (?:ci|install) --omit=dev/m, 'production dependencies only in the runtime stage'],
    [/^COPY --from=build \/app\/dist \.\/dist$/m, 'the compiled build copied from the build stage'],
    [/^USER node$/m, 'a non-root user'],
    [/^HEALTHCHECK .*\\\n\s+CMD node -e .*\/healthz/m, 'a HEALTHCHECK on /healthz'],
    [/^CMD \["node", "dist\/src\/main\.js"\]$/m, 'node dist/src/main.js as the command'],
  ];
  for (const [pattern, what] of expectations) if (!pattern.test(dockerfile)) fail(`Dockerfile: expected ${what}`);
  const healthcheck = /HEALTHCHECK[^\n]*\\\n\s+CMD node -e "(.*)"\s*$/m.exec(dockerfile);
  return healthcheck?.[1] ?? fail('Dockerfile: could not read the HEALTHCHECK script');
}

async function listJs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.js')).map((entry) => path.join(entry.parentPath, entry.name));
}

/**
 * What `npm install --omit=dev` would leave out: packages the lockfile marks dev-only.
 * A package dist/ imports that is only there as a dependency of a dependency
 * works, but is reported: it should be declared in "dependencies".
 */
async function checkProductionImports(work: string): Promise<string[]> {
  const pkg = JSON.parse(await readFile(path.join(work, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const lock = JSON.parse(await readFile(path.join(work, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const builtins = new Set(builtinModules);
  const missing = new Set<string>();
  const undeclared = new Set<string>();
  for (const file of await listJs(path.join(work, 'dist'))) {
    const source = await readFile(file, 'utf8');
    for (const [, specifier] of source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'".][^'"]*)['"]/g)) {
      if (specifier.startsWith('node:') || builtins.has(specifier)) continue;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      if (name in pkg.dependencies) continue;
      const locked = lock.packages[`node_modules/${name}`];
      if (!locked || locked.dev) missing.add(`${name} (${path.relative(work, file)})`);
      else undeclared.add(name);
    }
  }
  if (missing.size) fail(`dist/ imports packages a production install leaves out: ${[...missing].join(', ')}`);
  return [...undeclared];
}

/** GET on a connection of its own (an idle pooled one would hold the server's graceful shutdown). */
function getText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** The port the server bound (PORT=0) as its "listening" log line reports it. */
function reportedPort(output: string): number | undefined {
  const line = output.split('\n').find((entry) => entry.includes('OpenID Provider listening'));
  if (!line) return undefined;
  try {
    const port = (JSON.parse(line) as { port?: unknown }).port;
    return typeof port === 'number' ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for the server to report its port and answer /healthz; the bound only catches a broken start. */
async function waitHealthy(exited: () => boolean, output: () => string): Promise<number> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (exited()) fail(`the server exited during startup:\n${output()}`);
    const port = reportedPort(output());
    try {
      if (port && (await getText(`http://127.0.0.1:${port}/healthz`)).status === 200) return port;
    } catch {
      // not answering yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return fail(`the server did not become healthy:\n${output()}`);
}

async function startAndProbe(work: string, healthcheck: string): Promise<void> {
  // PORT=0: the server binds a free port itself and logs it, so no port is
  // probed and released for another process to take in between.
  const env = {
    PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1',
    DATA_DIR: path.join(work, 'data'), COOKIE_KEYS: randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url'), LOG_LEVEL: 'info',
  };
  step('npm run migrate (the one-shot command) on embedded storage');
  run('npm', ['run', '--silent', 'migrate'], work, env);
  step('node dist/src/main.js with NODE_ENV=production');
  const server = spawn(process.execPath, ['dist/src/main.js'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exitCode: number | null | undefined;
  server.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  server.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => { exitCode = code; resolve(code); }));
  try {
    const port = await waitHealthy(() => exitCode !== undefined, () => output);
    const issuer = `http://localhost:${port}`;
    const discovery = JSON.parse((await getText(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).body) as { issuer?: string };
    if (discovery.issuer !== issuer) fail(`discovery issuer ${discovery.issuer} is not ${issuer}`);
    step('the HEALTHCHECK command');
    run(process.execPath, ['-e', healthcheck], work, { ...env, PORT: String(port) });
  } finally {
    if (exitCode === undefined) server.kill('SIGTERM');
  }
  const code = await exited;
  if (code !== 0) fail(`the server exited with ${code} after SIGTERM:\n${output}`);
}

function checkCompose(): void {
  const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    step('skipped `docker compose config -q`: no docker compose client here');
    return;
  }
  step('docker compose config -q');
  run('docker', ['compose', 'config', '-q'], ROOT, { ...process.env, COOKIE_KEYS: 'x'.repeat(32), KEY_ENCRYPTION_SECRET: 'y'.repeat(32) });
}

async function main(): Promise<void> {
  const healthcheck = await checkDockerfile();
  step('Dockerfile shape ok');
  const work = await mkdtemp(path.join(os.tmpdir(), 'docker-steps-'));
  try {
    for (const entry of COPIED) await cp(path.join(ROOT, entry), path.join(work, entry), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    step('npm run build');
    run('npm', ['run', '--silent', 'build'], work);
    const undeclared = await checkProductionImports(work);
    step('dist/ imports only packages a production install contains');
    for (const entry of BUILD_ONLY) await rm(path.join(work, entry), { recursive: true, force: true });
    if (undeclared.length) step(`warning: imported but only installed as a dependency of a dependency (declare them in "dependencies"): ${undeclared.join(', ')}`);
    await startAndProbe(work, healthcheck);
    checkCompose();
    step('all steps passed');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`check-docker-steps: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
