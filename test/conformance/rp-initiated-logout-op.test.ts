import { SignJWT } from 'jose';
import { CLIENT, POST_LOGOUT_REDIRECT_URI, randomValue, startConformanceServer, type ConformanceContext } from './conformance-client.js';
import {
  confirmLogout, endSession, expectLogoutErrorPage, expectPostLogoutRedirect, expectSessionAlive, expectSessionEnded,
  expectSignedOutPage, signIn,
} from './logout-flow.js';

/**
 * RP-Initiated Logout OP (oidcc-rp-initiated-logout-certification-test-plan):
 * discovery, then ten modules with a static client (client_secret_basic)
 * whose post_logout_redirect_uri is registered. This server always asks the
 * End-User to confirm (RP-Initiated Logout 1.0 §2: the OP SHOULD ask), which
 * the suite allows; where a module expects "no redirect", the request ends on
 * the server's own signed-out or error page.
 */
describe('RP-Initiated Logout OP certification plan', () => {
  let ctx: ConformanceContext;
  beforeAll(async () => { ctx = await startConformanceServer('conformance_rp_logout'); });
  afterAll(async () => { await ctx.server.close(); });

  it('oidcc-rp-initiated-logout-discovery-endpoint-verification', () => {
    // CheckDiscEndSessionEndpoint. The suite also wants it https, which a loopback
    // issuer is not (see config-op.test.ts); it is the issuer's own origin.
    expect(new URL(String(ctx.metadata.end_session_endpoint)).origin).toBe(ctx.issuer);
  });

  it('oidcc-rp-initiated-logout', async () => {
    const user = await signIn(ctx);
    const state = randomValue(128);
    const page = await endSession(ctx, user, { id_token_hint: user.idToken, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state });
    expectPostLogoutRedirect(await confirmLogout(ctx, user, page), state);
    await expectSessionEnded(ctx, user);
  });

  it('oidcc-rp-initiated-logout-bad-post-logout-redirect-uri', async () => {
    const user = await signIn(ctx);
    const bad = POST_LOGOUT_REDIRECT_URI.replace(/post_logout_redirect$/, 'bad_post_logout_redirect_uri');
    const page = await endSession(ctx, user, { id_token_hint: user.idToken, post_logout_redirect_uri: bad, state: randomValue() });
    expectLogoutErrorPage(page, 'post_logout_redirect_uri not registered');
    await expectSessionAlive(ctx, user);
  });

  it('oidcc-rp-initiated-logout-modified-id-token-hint', async () => {
    const user = await signIn(ctx);
    // ChangeIdTokenToAlgNone: the same payload, header {"alg":"none"}, no signature.
    const unsigned = `${Buffer.from('{"alg": "none"}').toString('base64url')}.${user.idToken.split('.')[1]}.`;
    const page = await endSession(ctx, user, { id_token_hint: unsigned, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state: randomValue() });
    expectLogoutErrorPage(page, 'id_token_hint');
    await expectSessionAlive(ctx, user);
  });

  it('oidcc-rp-initiated-logout-no-id-token-hint', async () => {
    // Without id_token_hint (or client_id) the server cannot tell whose
    // post_logout_redirect_uri it is, so it ignores it (oidc-provider
    // end_session): the End-User confirms and sees the server's signed-out page.
    const user = await signIn(ctx);
    const page = await endSession(ctx, user, { post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state: randomValue() });
    expectSignedOutPage(await confirmLogout(ctx, user, page));
    await expectSessionEnded(ctx, user);
  });

  it('oidcc-rp-initiated-logout-no-params', async () => {
    const user = await signIn(ctx);
    expectSignedOutPage(await confirmLogout(ctx, user, await endSession(ctx, user, {})));
    await expectSessionEnded(ctx, user);
  });

  it('oidcc-rp-initiated-logout-no-post-logout-redirect-uri', async () => {
    const user = await signIn(ctx);
    const page = await endSession(ctx, user, { id_token_hint: user.idToken, state: randomValue() });
    expectSignedOutPage(await confirmLogout(ctx, user, page));
    await expectSessionEnded(ctx, user);
  });

  it('oidcc-rp-initiated-logout-no-state', async () => {
    const user = await signIn(ctx);
    const page = await endSession(ctx, user, { id_token_hint: user.idToken, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI });
    // CheckNoPostLogoutState + CheckForUnexpectedParametersInPostLogoutRedirect.
    expectPostLogoutRedirect(await confirmLogout(ctx, user, page), undefined);
    await expectSessionEnded(ctx, user);
  });

  it('oidcc-rp-initiated-logout-only-state', async () => {
    const user = await signIn(ctx);
    expectSignedOutPage(await confirmLogout(ctx, user, await endSession(ctx, user, { state: randomValue() })));
    await expectSessionEnded(ctx, user);
  });

  it('oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri', async () => {
    // RP-Initiated Logout §3: the URI must match a registered one exactly; an added query does not.
    const user = await signIn(ctx);
    const page = await endSession(ctx, user, { id_token_hint: user.idToken, post_logout_redirect_uri: `${POST_LOGOUT_REDIRECT_URI}?foo=bar`, state: randomValue() });
    expectLogoutErrorPage(page, 'post_logout_redirect_uri not registered');
    await expectSessionAlive(ctx, user);
  });

  it('oidcc-rp-initiated-logout-bad-id-token-hint', async () => {
    // GenerateFakeIdTokenClaims + SignFakeIdToken: an "ID token" the relying party
    // made itself (iss = client_id, aud = issuer), HS256 with its client secret.
    const user = await signIn(ctx);
    const now = Math.floor(Date.now() / 1000);
    const fake = await new SignJWT({ nonce: 'flibble' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(CLIENT.id).setSubject('SubjectID').setAudience(ctx.issuer).setIssuedAt(now).setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(CLIENT.secret));
    const page = await endSession(ctx, user, { id_token_hint: fake, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state: randomValue() });
    expectLogoutErrorPage(page, 'id_token_hint');
    await expectSessionAlive(ctx, user);
  });
});
