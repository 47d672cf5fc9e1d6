import { resolveResourceServers, ResourceServerConfigError } from '../../src/scopes/resource-server-definition.js';
import { resourceServersConfig } from '../../src/scopes/resource-servers.config.js';
import { KNOWN_SCOPES, OIDC_SCOPES } from '../../src/scopes/scope-catalog.js';

const ISSUER = 'https://id.example.com/tenant';

describe('resource servers in code', () => {
  it('resolves the example API against the issuer, as a short-lived JWT API for profile and email', () => {
    const [api] = resolveResourceServers(resourceServersConfig, ISSUER, KNOWN_SCOPES);
    expect(api).toEqual({ identifier: `${ISSUER}/api`, name: 'Example API', scopes: ['profile', 'email'], accessTokenFormat: 'jwt', accessTokenTtl: 300, introspectingClients: [] });
  });

  it('defaults to JWT and takes absolute identifiers as they are', () => {
    const [api] = resolveResourceServers([{ identifier: 'https://billing.example.com', name: 'Billing', scopes: [{ name: 'invoices:read', description: 'See your invoices' }] }], ISSUER, OIDC_SCOPES);
    expect(api).toMatchObject({ identifier: 'https://billing.example.com/', accessTokenFormat: 'jwt', scopes: ['invoices:read'], accessTokenTtl: undefined });
  });

  it('lists every problem at once, naming the resource server', () => {
    const attempt = () => resolveResourceServers([
      { identifier: 'https://a.example.com/#frag', name: 'A', scopes: ['profile'] },
      { identifier: '/b', name: 'B', scopes: ['unknown:scope'] },
      { identifier: '/b', name: 'B again', scopes: ['profile'] },
      { identifier: '/c', name: 'C', scopes: [], accessTokenFormat: 'paseto' as 'jwt' },
    ], ISSUER, OIDC_SCOPES);
    expect(attempt).toThrow(ResourceServerConfigError);
    try {
      attempt();
    } catch (err) {
      const { problems } = err as ResourceServerConfigError;
      expect(problems).toEqual(expect.arrayContaining([
        expect.stringMatching(/^resource server https:\/\/a\.example\.com\/#frag: identifier must be an absolute URI without a fragment/),
        'resource server /b: scope "unknown:scope" is not in the scopes catalog; declare it with a description',
        'resource server /b: defined twice',
        expect.stringMatching(/^resource server \/c: scopes: /),
        expect.stringMatching(/^resource server \/c: accessTokenFormat: /),
      ]));
    }
  });
});
