// `npm run cli` and `npm run migrate` (package.json) start here, so one
// command works wherever it is run:
// - NODE_ENV=production (the Docker image, compose's migrate job): the
//   compiled CLI in dist/, which needs production dependencies only; tsx is a
//   development dependency and is not installed there;
// - anywhere else (a checkout): the TypeScript sources through tsx, no build needed.
// Plain JavaScript on purpose: it runs before anything is compiled.
import { existsSync } from 'node:fs';

if (process.env.NODE_ENV === 'production') {
  const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
  if (!existsSync(compiled)) {
    process.stderr.write('dist/ is missing: run `npm run build` first (NODE_ENV=production runs the compiled CLI)\n');
    process.exit(1);
  }
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
