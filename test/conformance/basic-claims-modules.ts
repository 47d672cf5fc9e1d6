import { CLIENT, REDIRECT_URI, authorize, authorizationParams, type ConformanceContext, type ResponseMode } from './conformance-client.js';
import { ID_TOKEN_PROTOCOL_CLAIMS, runCodeFlow, type PlanModule } from './code-flow.js';
import { callUserinfo, claimsForScope, expectErrorResponse, expectStandardClaims, readAuthorizationResponse } from './op-checks.js';

/**
 * Basic OP plan modules about released claims (scopes, the claims
 * parameter) and request objects.
 */

async function userinfoFor(ctx: ConformanceContext, accessToken: string, sub: unknown): Promise<Record<string, unknown>> {
  const result = await callUserinfo(ctx, accessToken);
  expect(result.status).toBe(200);
  expect(result.body.sub).toBe(sub);
  expectStandardClaims(result.body);
  return result.body;
}

/**
 * AbstractOIDCCReturnedClaimsServerTest: every claim of the requested scopes
 * at userinfo (VerifyScopesReturnedInUserInfoClaims; the tester has them all).
 * The suite warns when an ID token beside an access token carries scope
 * claims (Core §5.4); this server puts them in both by default
 * (ID_TOKEN_CLAIMS=scopes, oidc-provider conformIdTokenClaims: false) because
 * relying parties such as Auth.js read the profile from the ID token.
 */
function scopeModule(name: string, scope: string, options: { reorder?: boolean } = {}): PlanModule {
  return {
    name,
    async run(ctx, mode) {
      // oidcc-alternate-happy-flow: RFC 6749 §3.3, scope order does not matter; neither does parameter order.
      const requested = options.reorder ? scope.split(' ').reverse().join(' ') : scope;
      const { tokens, claims } = await runCodeFlow(ctx, mode, { scope: requested }, { reorder: options.reorder });
      const userinfo = await userinfoFor(ctx, tokens.access_token, claims.sub);
      const expected = claimsForScope(scope);
      expect(Object.keys(userinfo).sort()).toEqual([...new Set(expected)].sort());
      const idTokenExtras = Object.keys(claims).filter((claim) => !ID_TOKEN_PROTOCOL_CLAIMS.includes(claim));
      expect(idTokenExtras.sort()).toEqual(expected.filter((claim) => claim !== 'sub').sort());
      expectStandardClaims(claims);
    },
  };
}

const claimsEssential: PlanModule = {
  name: 'oidcc-claims-essential',
  async run(ctx, mode) {
    // Core §5.5: name requested as an essential userinfo claim with scope openid
    // alone; it is released at userinfo only (EnsureIdTokenDoesNotContainName).
    expect(ctx.metadata.claims_parameter_supported).toBe(true);
    const { tokens, claims } = await runCodeFlow(ctx, mode, { claims: JSON.stringify({ userinfo: { name: { essential: true } } }) });
    const userinfo = await userinfoFor(ctx, tokens.access_token, claims.sub);
    expect(userinfo.name).toBe('Buffy Summers');
    expect(claims.name).toBeUndefined();
  },
};

/** An unsigned request object (alg none), as SerializeRequestObjectWithNullAlgorithm builds it. */
function unsignedRequestObject(claims: Record<string, string>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ ...claims, iss: CLIENT.id, aud: 'op' })}.`;
}

/** Outside the object only what OAuth requires to be there (client_id, response_type, scope). */
function requestObjectParams(mode: ResponseMode, overrides: Record<string, string> = {}) {
  const inner = authorizationParams(mode, overrides);
  return { inner, outer: { client_id: inner.client_id, response_type: inner.response_type, scope: inner.scope, request: unsignedRequestObject(inner) } };
}

const unsignedRequestObjectModule: PlanModule = {
  name: 'oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported',
  async run(ctx, mode) {
    // The suite skips this module: request_object_signing_alg_values_supported
    // has no "none". Request objects must be signed here (Core §6.1 lets an OP
    // refuse unsigned ones), so an unsigned one is refused with
    // invalid_request_object at the registered redirect_uri, with the state and
    // response_mode the object carried.
    expect(ctx.metadata.request_parameter_supported).toBe(true);
    expect(ctx.metadata.request_object_signing_alg_values_supported).not.toContain('none');
    const { inner, outer } = requestObjectParams(mode);
    const params = readAuthorizationResponse(await authorize(ctx, outer), mode);
    expectErrorResponse(ctx, params, inner.state, ['invalid_request_object', 'request_not_supported']);
  },
};

const requestObjectRedirectUri: PlanModule = {
  name: 'oidcc-ensure-request-object-with-redirect-uri',
  async run(ctx, mode) {
    // Skipped by the suite for the same reason (no unsigned request objects).
    // The suite's other accepted outcome is what happens: an unregistered
    // redirect_uri beside the (refused) object gives an invalid redirect_uri
    // error page, and the browser is sent nowhere (RFC 6749 §4.1.2.1).
    const { outer } = requestObjectParams(mode);
    const bad = `${REDIRECT_URI}_invalid`;
    const { outcome } = await authorize(ctx, { ...outer, redirect_uri: bad });
    if (outcome.kind !== 'page') throw new Error(`redirected to ${outcome.url}`);
    expect(outcome.status).toBe(400);
    expect(outcome.html).toContain('invalid_redirect_uri');
    expect(outcome.html).not.toMatch(/<form method="post"/);
  },
};

const requestUriUnsigned: PlanModule = {
  name: 'oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported',
  async run(ctx, mode) {
    // Runs only with dynamic registration, and is skipped without "none". The
    // server fetches no request_uri from the Internet (SSRF, RFC 9101 §10.4.1;
    // request_uri_parameter_supported false): only its own pushed requests
    // (RFC 9126). The suite's allowed answer is request_uri_not_supported.
    expect(ctx.metadata.request_uri_parameter_supported).toBe(false);
    const params = authorizationParams(mode, { request_uri: 'https://rp.conformance.test/test/a/op-under-test/requests/1.jwt' });
    const response = readAuthorizationResponse(await authorize(ctx, params), mode);
    expectErrorResponse(ctx, response, params.state, ['request_uri_not_supported']);
  },
};

export const BASIC_CLAIMS_MODULES = {
  scopeProfile: scopeModule('oidcc-scope-profile', 'openid profile'),
  scopeEmail: scopeModule('oidcc-scope-email', 'openid email'),
  scopeAddress: scopeModule('oidcc-scope-address', 'openid address'),
  scopePhone: scopeModule('oidcc-scope-phone', 'openid phone'),
  scopeAll: scopeModule('oidcc-scope-all', 'openid email phone address profile'),
  alternateHappyFlow: scopeModule('oidcc-alternate-happy-flow', 'openid email', { reorder: true }),
  claimsEssential,
  requestUriUnsigned,
  unsignedRequestObject: unsignedRequestObjectModule,
  requestObjectRedirectUri,
};
