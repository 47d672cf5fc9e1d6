import type { JWTPayload } from 'jose';
import { RecordingBrowser, TESTER, randomValue } from './conformance-client.js';
import { runCodeFlow, runErrorFlow, waitUntilEpochAfter, type PlanModule } from './code-flow.js';

/**
 * Basic OP plan modules about authorization request parameters (Core
 * §3.1.2.1 and §15.1: display, prompt, max_age, ui_locales, claims_locales,
 * id_token_hint, login_hint, acr_values, unknown parameters).
 */

/** A parameter whose use must simply not cause an error (Core §15.1). */
function acceptedParameter(name: string, params: Record<string, string>): PlanModule {
  return {
    name,
    async run(ctx, mode) {
      const { run } = await runCodeFlow(ctx, mode, params);
      // A fresh browser: the parameter must not keep the login page from showing.
      expect(run.loginShown).toBe(true);
    },
  };
}

/** CheckIdTokenSubConsistentForSecondAuthorization + CheckIdTokenAuthTimeClaimsSameIfPresent. */
function expectSameAuthentication(first: JWTPayload, second: JWTPayload): void {
  expect(second.sub).toBe(first.sub);
  if (first.auth_time !== undefined && second.auth_time !== undefined) expect(second.auth_time).toBe(first.auth_time);
}

const promptLogin: PlanModule = {
  name: 'oidcc-prompt-login',
  async run(ctx, mode) {
    const browser = new RecordingBrowser(ctx.issuer);
    const first = await runCodeFlow(ctx, mode, {}, { browser });
    const signedInBy = Math.floor(Date.now() / 1000);
    await waitUntilEpochAfter(signedInBy);
    // Core §3.1.2.1 prompt=login: the server asks the End-User to sign in again, despite the session.
    const second = await runCodeFlow(ctx, mode, { prompt: 'login' }, { browser });
    expect(second.run.loginShown).toBe(true);
    expect(second.claims.sub).toBe(first.claims.sub);
    // CheckSecondIdTokenAuthTimeIsLaterIfPresent.
    if (first.claims.auth_time !== undefined && second.claims.auth_time !== undefined) {
      expect(Number(second.claims.auth_time)).toBeGreaterThan(Number(first.claims.auth_time));
    }
  },
};

const promptNoneNotLoggedIn: PlanModule = {
  name: 'oidcc-prompt-none-not-logged-in',
  async run(ctx, mode) {
    // Core §3.1.2.6; a 128-character state checks that the error response does not corrupt it.
    const { run } = await runErrorFlow(ctx, mode, { prompt: 'none', state: randomValue(128) }, ['login_required', 'interaction_required', 'account_selection_required', 'consent_required']);
    expect(run.interacted).toBe(false);
  },
};

/** AbstractOIDCCSameAuthTwiceServerTest: a second authorization that must not ask the End-User anything. */
function sameAuthTwice(name: string, firstParams: Record<string, string>, secondParams: (first: JWTPayload, idToken: string) => Record<string, string>, requireAuthTime = false): PlanModule {
  return {
    name,
    async run(ctx, mode) {
      const browser = new RecordingBrowser(ctx.issuer);
      const first = await runCodeFlow(ctx, mode, firstParams, { browser });
      const second = await runCodeFlow(ctx, mode, secondParams(first.claims, first.tokens.id_token), { browser });
      expect(second.run.interacted).toBe(false);
      if (requireAuthTime) {
        // CheckIdTokenAuthTimeClaimPresentDueToMaxAge (Core §2: REQUIRED when max_age was requested).
        expect(first.claims.auth_time).toEqual(expect.any(Number));
        expect(second.claims.auth_time).toEqual(expect.any(Number));
      }
      expectSameAuthentication(first.claims, second.claims);
    },
  };
}

const maxAge1: PlanModule = {
  name: 'oidcc-max-age-1',
  async run(ctx, mode) {
    const browser = new RecordingBrowser(ctx.issuer);
    const first = await runCodeFlow(ctx, mode, {}, { browser });
    // max_age=1 is exceeded once more than one whole second has passed since sign-in.
    await waitUntilEpochAfter(Math.floor(Date.now() / 1000) + 1);
    const second = await runCodeFlow(ctx, mode, { max_age: '1' }, { browser });
    expect(second.run.loginShown).toBe(true);
    // Core §2 / §3.1.2.1: auth_time is REQUIRED when max_age was requested; recent, and later than the first sign-in.
    expect(second.claims.auth_time).toEqual(expect.any(Number));
    expect(Math.floor(Date.now() / 1000) - Number(second.claims.auth_time)).toBeLessThanOrEqual(301);
    if (first.claims.auth_time !== undefined) expect(Number(second.claims.auth_time)).toBeGreaterThan(Number(first.claims.auth_time));
    expect(second.claims.sub).toBe(first.claims.sub);
  },
};

const loginHint: PlanModule = {
  name: 'oidcc-login-hint',
  async run(ctx, mode) {
    // buffy@<issuer host> by default in the suite; here the tester's own name, which the login page pre-fills.
    const { run } = await runCodeFlow(ctx, mode, { login_hint: TESTER.username });
    expect(run.firstPage).toContain(`value="${TESTER.username}"`);
  },
};

const acrValues: PlanModule = {
  name: 'oidcc-ensure-request-with-acr-values-succeeds',
  async run(ctx, mode) {
    // acr_values from acr_values_supported; Core §15.1 requires only that they cause no error,
    // the suite warns unless the ID token's acr is one of them.
    const requested = ctx.metadata.acr_values_supported as string[];
    expect(requested.length).toBeGreaterThan(0);
    const { claims } = await runCodeFlow(ctx, mode, { acr_values: requested.join(' ') });
    expect(requested).toContain(claims.acr);
  },
};

export const BASIC_REQUEST_MODULES = {
  displayPage: acceptedParameter('oidcc-display-page', { display: 'page' }),
  displayPopup: acceptedParameter('oidcc-display-popup', { display: 'popup' }),
  promptLogin,
  promptNoneNotLoggedIn,
  promptNoneLoggedIn: sameAuthTwice('oidcc-prompt-none-logged-in', {}, () => ({ prompt: 'none' })),
  maxAge1,
  maxAge10000: sameAuthTwice('oidcc-max-age-10000', { max_age: '15000' }, () => ({ max_age: '10000' }), true),
  unknownParameter: acceptedParameter('oidcc-ensure-request-with-unknown-parameter-succeeds', { extra: 'foobar' }),
  idTokenHint: sameAuthTwice('oidcc-id-token-hint', {}, (_first, idToken) => ({ prompt: 'none', id_token_hint: idToken })),
  loginHint,
  uiLocales: acceptedParameter('oidcc-ui-locales', { ui_locales: 'se' }),
  claimsLocales: acceptedParameter('oidcc-claims-locales', { claims_locales: 'se' }),
  acrValues,
};
