import { decodeProtectedHeader, jwtVerify } from 'jose';
import { CLIENT, POST_LOGOUT_REDIRECT_URI, randomValue, startConformanceServer, type ConformanceContext } from './conformance-client.js';
import { startBackchannelReceiver, type BackchannelReceiver } from './backchannel-receiver.js';
import { confirmLogout, endSession, expectPostLogoutRedirect, expectSessionEnded, signIn } from './logout-flow.js';
import { waitFor } from '../support/wait-for.js';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * Back-Channel Logout OP (oidcc-backchannel-rp-initiated-logout-certification-test-plan):
 * the static client registers a backchannel_logout_uri, here a real listener
 * on loopback (plain http to loopback is allowed for a confidential client in
 * code; the suite's is https). Ending the session at end_session_endpoint
 * must POST it a signed logout token for the session the ID token named.
 * Caveat: inside Jest's VM context oidc-provider cannot install its SSRF
 * guard for outgoing fetches (it warns "failed to setup SSRF protection"), so
 * the POST reaches 127.0.0.1 here; in a real Node process the guard drops
 * connections to special-use addresses, loopback included, and a loopback
 * backchannel_logout_uri receives nothing ("fetch failed"). The token checks
 * below are what the suite's https receiver sees either way.
 */
describe('Back-Channel Logout OP certification plan', () => {
  let receiver: BackchannelReceiver;
  let ctx: ConformanceContext;
  beforeAll(async () => {
    receiver = await startBackchannelReceiver();
    ctx = await startConformanceServer('conformance_backchannel', { backchannelLogoutUri: receiver.uri });
  });
  afterAll(async () => {
    await ctx.server.close();
    await receiver.close();
  });

  it('oidcc-backchannel-logout-discovery-endpoint-verification', () => {
    expect(ctx.metadata.backchannel_logout_supported).toBe(true);
    // Required for certification: sid in ID tokens and logout tokens.
    expect(ctx.metadata.backchannel_logout_session_supported).toBe(true);
    // https in the suite; the loopback issuer's own origin here (see config-op.test.ts).
    expect(new URL(String(ctx.metadata.end_session_endpoint)).origin).toBe(ctx.issuer);
  });

  it('oidcc-backchannel-rp-initiated-logout', async () => {
    const user = await signIn(ctx);
    // The client's backchannel_logout_session_required is forced on, so its ID tokens name the session.
    expect(user.claims.sid).toEqual(expect.any(String));
    const state = randomValue(128);
    const page = await endSession(ctx, user, { id_token_hint: user.idToken, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state });
    expectPostLogoutRedirect(await confirmLogout(ctx, user, page), state);

    // §2.5: one form-encoded POST whose only parameter is logout_token.
    const [request] = await waitFor('the logout token', () => (receiver.requests.length > 0 ? receiver.requests : undefined), { timeoutMs: 10_000 });
    expect(receiver.requests).toHaveLength(1);
    expect(request.method).toBe('POST');
    expect(request.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect([...request.body.keys()]).toEqual(['logout_token']);
    const logoutToken = request.body.get('logout_token')!;

    // §2.4 / §2.6: signed with a key from jwks_uri, the ID token's algorithm, explicitly typed.
    expect(decodeProtectedHeader(logoutToken)).toMatchObject({ alg: 'RS256', typ: 'logout+jwt', kid: expect.any(String) });
    const { payload } = await jwtVerify(logoutToken, ctx.keys, { issuer: ctx.issuer, audience: CLIENT.id, typ: 'logout+jwt', clockTolerance: 300 });
    const now = Math.floor(Date.now() / 1000);
    expect(Math.abs(now - Number(payload.iat))).toBeLessThanOrEqual(300);
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.events).toEqual({ [LOGOUT_EVENT]: {} });
    // CheckIdTokenSidMatchesLogoutToken, CheckIdTokenSubMatchesLogoutToken, CheckLogoutTokenNoNonce.
    expect(payload.sid).toBe(user.claims.sid);
    expect(payload.sub).toBe(user.claims.sub);
    expect(payload).not.toHaveProperty('nonce');

    await expectSessionEnded(ctx, user);
  });
});
