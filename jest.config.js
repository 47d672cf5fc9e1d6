// Jest runs the TypeScript ESM sources directly: @swc/jest strips types (no type
// checking here; `npm run typecheck` does that) and keeps `import`/`export`, and
// Node's --experimental-vm-modules lets Jest load ESM-only packages such as oidc-provider.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    }],
  },
  // A safety net for a broken test, not a speed limit: a loaded machine waits longer.
  testTimeout: 300_000,
  maxWorkers: 2,
};
