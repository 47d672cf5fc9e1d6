import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../support/server-process.js';

describe('the Dockerfile steps, run outside Docker', () => {
  it('builds, migrates, starts with NODE_ENV=production on embedded storage and passes the HEALTHCHECK', async () => {
    const child = spawn(path.join(PROJECT_ROOT, 'node_modules/.bin/tsx'), ['scripts/check-docker-steps.ts'], {
      cwd: PROJECT_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, output }).toMatchObject({ code: 0 });
    for (const line of ['Dockerfile shape ok', 'npm run migrate (the one-shot command)', 'the HEALTHCHECK command', 'all steps passed']) {
      expect(output).toContain(line);
    }
  }, 480_000);

  it('keeps compose.yaml and the nginx configuration in step (two instances, one issuer, a migrate job)', async () => {
    const compose = await readFile(path.join(PROJECT_ROOT, 'compose.yaml'), 'utf8');
    const nginx = await readFile(path.join(PROJECT_ROOT, 'deploy/nginx.conf'), 'utf8');
    for (const service of ['postgres', 'redis', 'migrate', 'provider-a', 'provider-b', 'proxy']) {
      expect(compose).toMatch(new RegExp(`^  ${service}:$`, 'm'));
    }
    for (const upstream of ['provider-a:3000', 'provider-b:3000']) expect(nginx).toContain(`server ${upstream}`);
    expect(compose).toContain('command: ["npm", "run", "migrate"]');
    expect(compose).toContain('condition: service_completed_successfully');
    expect(compose).toContain('TRUST_PROXY: "true"');
    expect(compose).toContain('./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(nginx).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
  });
});
