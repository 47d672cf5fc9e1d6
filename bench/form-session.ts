import { CookieJar } from './cookie-jar.js';

/**
 * A cookie-keeping HTTP client that signs in through the real pages by form
 * posts, the way a browser would: our login/consent pages and oidc-provider's
 * development pages (the baseline) alike. No redirect is followed blindly:
 * the first redirect to another origin (the client's redirect_uri) ends a flow.
 */
export class FormSession {
  private readonly cookies = new CookieJar();

  constructor(readonly issuer: string) {}

  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const target = new URL(url, this.issuer);
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = this.cookies.header(target.pathname);
    if (cookie) headers.cookie = cookie;
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(target, {
      method: form ? 'POST' : 'GET', headers, body: form ? new URLSearchParams(form) : undefined, redirect: 'manual',
    });
    this.cookies.remember(response);
    return response;
  }

  /**
   * Follows same-origin redirects and submits login and consent forms until
   * the flow redirects to another origin; returns that URL.
   */
  async runFlow(startUrl: string, credentials: { username: string; password: string }): Promise<URL> {
    let url = new URL(startUrl, this.issuer);
    let response = await this.request(url.toString());
    for (let step = 0; step < 12; step += 1) {
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url);
        if (url.origin !== new URL(this.issuer).origin) return url;
        response = await this.request(url.toString());
        continue;
      }
      const html = await response.text();
      const form = chooseForm(html);
      if (!form) throw new Error(`no form to submit at ${url} (${response.status}): ${html.slice(0, 400)}`);
      url = new URL(form.action, url);
      response = await this.request(url.toString(), fillCredentials(form.fields, credentials));
    }
    throw new Error(`the flow did not leave ${this.issuer} after 12 steps`);
  }
}

interface ParsedForm {
  action: string;
  fields: Record<string, string>;
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1]?.replace(/&amp;/g, '&');
}

/** The first form that is not a cancel/abort form, with its inputs and their values. */
function chooseForm(html: string): ParsedForm | undefined {
  for (const [, open, inner] of html.matchAll(/<form([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = attribute(open, 'action');
    if (!action || /\/abort$/.test(action)) continue;
    const fields: Record<string, string> = {};
    for (const [tag] of inner.matchAll(/<input[^>]*>/g)) {
      const name = attribute(tag, 'name');
      if (name) fields[name] = attribute(tag, 'value') ?? '';
    }
    return { action, fields };
  }
  return undefined;
}

function fillCredentials(fields: Record<string, string>, credentials: { username: string; password: string }): Record<string, string> {
  const filled = { ...fields };
  // `username` on our page, `login` on oidc-provider's development page.
  for (const name of ['username', 'login']) if (name in filled) filled[name] = credentials.username;
  if ('password' in filled) filled.password = credentials.password;
  return filled;
}
