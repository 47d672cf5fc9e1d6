import { ConfigError, loadConfig } from '../../src/config/load-config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration from the environment', () => {
  it('starts on the embedded default with nothing set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, issuer: 'http://localhost:3000', env: 'development', operations: { trustProxy: false } });
    expect(config.database.url).toBeUndefined();
    expect(config.operations.redisTopology).toEqual({ kind: 'none' });
    expect(config.ttl).toEqual({ accessToken: 3600, authorizationCode: 60, deviceCode: 600, refreshToken: 2592000, interaction: 3600, session: 1209600 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names each wrong variable on its own line', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TRUST_PROXY: 'maybe', ACCESS_TOKEN_TTL: '-5', LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(5);
    for (const name of ['PORT', 'DATABASE_URL', 'TRUST_PROXY', 'ACCESS_TOKEN_TTL', 'LOG_LEVEL']) {
      expect(problems.some((line) => line.startsWith(`${name}:`))).toBe(true);
    }
  });

  it('never prints a secret value in its messages', () => {
    const problems = problemsOf({ KEY_ENCRYPTION_SECRET: 'short-secret-value', REGISTRATION_TOKEN: 'tiny-token-value' });
    expect(problems.join('\n')).not.toMatch(/short-secret-value|tiny-token-value/);
    expect(problems.some((line) => line.startsWith('KEY_ENCRYPTION_SECRET:'))).toBe(true);
  });

  it('requires COOKIE_KEYS and an https issuer in production, except on loopback', () => {
    const problems = problemsOf({ NODE_ENV: 'production', ISSUER: 'http://login.example.com' });
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^COOKIE_KEYS:/), expect.stringMatching(/^ISSUER:/)]));
    const keys = 'k'.repeat(32);
    expect(() => loadConfig({ NODE_ENV: 'production', ISSUER: 'http://127.0.0.1:3000', COOKIE_KEYS: keys })).not.toThrow();
    expect(() => loadConfig({ NODE_ENV: 'production', ISSUER: 'https://login.example.com', COOKIE_KEYS: `${keys},${'j'.repeat(32)}` })).not.toThrow();
  });

  it('treats empty values as unset and strips a trailing slash from the issuer', () => {
    const config = loadConfig({ DATABASE_URL: '', ISSUER: 'https://login.example.com/' });
    expect(config.database.url).toBeUndefined();
    expect(config.issuer).toBe('https://login.example.com');
  });
});
