import { addTestClient, startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

// Issue 17: a client-credentials token is a metric (oidc_tokens_issued_total),
// not an audit row, unless AUDIT_TOKEN_ISSUANCE=true. Security events stay
// rows either way (here a revocation, token.revoked). Audit rows are written
// in order (src/audit/audit-log.ts), so once a later event is stored, an
// issuance row written before it would be stored too.
const SECRET = 'audit-issuance-secret-0123456789-0123456789-abc';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const METRICS_TOKEN = 'metrics-token-0123456789-0123456789-0123456789';

async function startWith(label: string, env: Record<string, string>): Promise<TestServer> {
  const server = await startTestServer(label, { env: { ...env, METRICS_TOKEN } });
  await addTestClient(server.stores, { client_id: 'machine', client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
  return server;
}

async function clientCredentials(server: TestServer): Promise<string> {
  const response = await fetch(`${server.issuer}/token`, {
    method: 'POST', headers: { ...FORM, authorization: `Basic ${Buffer.from(`machine:${SECRET}`).toString('base64')}` }, body: 'grant_type=client_credentials',
  });
  expect(response.status).toBe(200);
  return (await response.json() as { access_token: string }).access_token;
}

async function revoke(server: TestServer, token: string): Promise<void> {
  const response = await fetch(`${server.issuer}/token/revocation`, {
    method: 'POST', headers: { ...FORM, authorization: `Basic ${Buffer.from(`machine:${SECRET}`).toString('base64')}` }, body: new URLSearchParams({ token }),
  });
  expect(response.status).toBe(200);
}

const events = async (server: TestServer) => (await server.stores.handle.db.selectFrom('audit_events').select(['event', 'details']).execute());

async function issuedMetric(server: TestServer): Promise<number> {
  const text = await (await fetch(`${server.issuer}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  return Number(/^oidc_tokens_issued_total\{grant_type="client_credentials"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

describe('client-credentials issuance in the audit trail', () => {
  it('is counted, not written, by default; security events are still written', async () => {
    const server = await startWith('audit_issuance_off', {});
    try {
      const tokens = [await clientCredentials(server), await clientCredentials(server)];
      expect(await issuedMetric(server)).toBe(2);
      await revoke(server, tokens[0]!);
      // The revocation is written before its answer; nothing written for the issuance.
      await waitFor('the revocation event', async () => (await events(server)).some((row) => row.event === 'token.revoked'));
      expect((await events(server)).filter((row) => row.event === 'token.issued')).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('is written as token.issued with AUDIT_TOKEN_ISSUANCE=true', async () => {
    const server = await startWith('audit_issuance_on', { AUDIT_TOKEN_ISSUANCE: 'true' });
    try {
      await clientCredentials(server);
      const [issued] = await waitFor('the issuance event', async () => {
        const found = (await events(server)).filter((row) => row.event === 'token.issued');
        return found.length ? found : undefined;
      });
      expect(issued!.details).toMatchObject({ grant_type: 'client_credentials' });
      expect(await issuedMetric(server)).toBe(1);
    } finally {
      await server.close();
    }
  });
});
