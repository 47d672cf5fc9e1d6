import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../support/server-process.js';

/** The top-level entries a .dockerignore line names (a trailing slash or /** ignored). */
function ignored(dockerignore: string): Set<string> {
  return new Set(dockerignore.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'))
    .map((line) => line.replace(/^\*\*\//, '').replace(/\/$/, '')));
}

// The build context holds only what the image is built from: no installed
// modules, no local database or generated secrets, no history.
describe('.dockerignore', () => {
  it('keeps node_modules, data, dist, .git and test output out, and everything the Dockerfile copies in', async () => {
    const [dockerignore, dockerfile] = await Promise.all([
      readFile(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8'),
      readFile(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8'),
    ]);
    const entries = ignored(dockerignore);
    for (const entry of ['node_modules', 'data', 'dist', '.git', 'coverage', 'screenshots', 'test']) expect(entries).toContain(entry);
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1]!.split(/\s+/));
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'src', 'interactions', 'migrations']));
    for (const source of copied) expect(entries).not.toContain(source);
  });
});
