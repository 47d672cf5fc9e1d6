import { DPOP_ALGORITHMS } from '../../src/api/dpop-proof.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('DPoP algorithms: discovery and the example API agree', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer('dpop_algorithms'); });
  afterAll(async () => { await server.close(); });

  it('advertises exactly the algorithms the API accepts', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as { dpop_signing_alg_values_supported: string[] };
    expect([...metadata.dpop_signing_alg_values_supported].sort()).toEqual([...DPOP_ALGORITHMS].sort());
    expect(metadata.dpop_signing_alg_values_supported).toContain('RS256');
  });
});
