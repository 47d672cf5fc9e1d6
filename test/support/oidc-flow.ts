import * as oidc from 'openid-client';
import { HttpBrowser, readForm } from './http-browser.js';

/**
 * With a secret and no `auth`, the client authenticates with
 * client_secret_basic, the method clients are registered for unless they say
 * otherwise (RFC 7591 §2); the server accepts only the registered method.
 * (openid-client's own default is client_secret_post.)
 */
export async function discover(issuer: string, clientId: string, clientSecret?: string, auth?: oidc.ClientAuth): Promise<oidc.Configuration> {
  const clientAuth = auth ?? (clientSecret ? oidc.ClientSecretBasic(clientSecret) : undefined);
  return oidc.discovery(new URL(issuer), clientId, clientSecret, clientAuth, { execute: [oidc.allowInsecureRequests] });
}

export interface AuthorizationResult {
  callbackUrl: URL;
  codeVerifier: string;
  state: string;
  browser: HttpBrowser;
}

/** Starts an authorization request with PKCE S256 and returns the URL and the verifier. */
export async function buildAuthorization(config: oidc.Configuration, params: Record<string, string>): Promise<{ url: URL; codeVerifier: string; state: string }> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    ...params,
  });
  return { url, codeVerifier, state };
}

/**
 * Drives login and consent pages by form posts until the flow leaves them:
 * either a redirect to another origin (the client's redirect_uri) or a page
 * that is neither login nor consent (returned with its HTML).
 */
export async function completeInteractions(
  browser: HttpBrowser,
  start: { response: Response; url: string },
  credentials: { username: string; password: string },
  decision: 'allow' | 'deny' = 'allow',
): Promise<{ url: URL; html?: string; status: number }> {
  let { response, url } = start;
  const origin = new URL(url).origin;
  for (let step = 0; step < 6; step += 1) {
    if (new URL(url).origin !== origin) return { url: new URL(url), status: response.status };
    const html = await response.text();
    if (/action="[^"]*\/login"/.test(html)) {
      const form = readForm(html, /\/login$/);
      ({ response, url } = await browser.follow(form.action, { form: { ...form.fields, ...credentials } }));
    } else if (/action="[^"]*\/confirm"/.test(html)) {
      const form = decision === 'allow' ? readForm(html, /\/confirm$/) : readForm(html, /\/abort$/);
      ({ response, url } = await browser.follow(form.action, { form: form.fields }));
    } else {
      return { url: new URL(url), html, status: response.status };
    }
  }
  throw new Error(`interaction did not finish at ${url}`);
}

/** authorize → login → consent → the redirect_uri the client receives. */
export async function signInAndConsent(
  browser: HttpBrowser,
  authorizationUrl: URL,
  credentials: { username: string; password: string },
  decision: 'allow' | 'deny' = 'allow',
): Promise<URL> {
  const result = await completeInteractions(browser, await browser.follow(authorizationUrl.toString()), credentials, decision);
  if (result.html !== undefined) throw new Error(`unexpected page at ${result.url} (${result.status}):\n${result.html.slice(0, 1500)}`);
  return result.url;
}

/**
 * The OAuth error code a rejected openid-client call carries: from the JSON
 * body, or from the WWW-Authenticate challenge a 401 to Basic authentication
 * answers with (RFC 6749 §5.2), where openid-client reports it instead.
 */
export async function oauthErrorOf(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
  } catch (err) {
    if (err instanceof oidc.WWWAuthenticateChallengeError) return err.cause[0]?.parameters.error;
    return (err as { error?: string }).error;
  }
  throw new Error('expected the call to be refused');
}
