/**
 * The baseline: bare oidc-provider with its built-in memory adapter and its
 * development login/consent pages (devInteractions), the same features, keys
 * and clients as our server, but client secrets in PLAINTEXT. Run as a child
 * process by run-bench.ts; reads PORT, HOST, ISSUER, COOKIE_KEYS and
 * BENCH_BASELINE_CONFIG (a JSON file with the private signing keys).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';
import { BENCH_TTL, BENCH_USER, benchClients } from './bench-fixtures.js';

const { PORT, HOST, ISSUER, COOKIE_KEYS, BENCH_BASELINE_CONFIG } = process.env;
if (!PORT || !ISSUER || !COOKIE_KEYS || !BENCH_BASELINE_CONFIG) {
  process.stderr.write('baseline-server: PORT, ISSUER, COOKIE_KEYS and BENCH_BASELINE_CONFIG are required\n');
  process.exit(1);
}
const { keys } = JSON.parse(readFileSync(BENCH_BASELINE_CONFIG, 'utf8')) as { keys: NonNullable<Configuration['jwks']>['keys'] };

// The memory adapter's default store keeps between 1,000 and 2,000 entries
// (lib/helpers/lru.js); pools minted ahead would be evicted before use, so the
// same adapter gets a store that holds a whole run.
const store = new LRU({ maxSize: 1_000_000 });

const configuration: Configuration = {
  adapter: (name: string) => new MemoryAdapter(name, store),
  clients: benchClients() as Configuration['clients'],
  jwks: { keys },
  cookies: { keys: COOKIE_KEYS.split(',') },
  findAccount: (_ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, email: BENCH_USER.username, email_verified: false, name: BENCH_USER.name }),
  }),
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    deviceFlow: { enabled: true },
  },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
  rotateRefreshToken: true,
  pkce: { required: () => true },
  ttl: {
    AccessToken: BENCH_TTL.accessToken,
    ClientCredentials: BENCH_TTL.accessToken,
    AuthorizationCode: BENCH_TTL.authorizationCode,
    DeviceCode: BENCH_TTL.deviceCode,
    IdToken: 3600,
    Grant: 14 * 24 * 3600,
    Session: 14 * 24 * 3600,
    Interaction: 3600,
    RefreshToken: 30 * 24 * 3600,
  },
};

const provider = new Provider(ISSUER, configuration);
const server = createServer(provider.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(PORT), HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5_000).unref();
});
