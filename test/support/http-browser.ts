import { CookieJar } from '../../bench/cookie-jar.js';

/**
 * A tiny cookie-keeping HTTP user agent for driving the interaction pages by
 * form posts, the way a browser would, without following redirects blindly.
 */
export class HttpBrowser {
  private readonly cookies = new CookieJar();

  constructor(private readonly origin: string) {}

  /** Forgets a cookie under every path, as when it expires. */
  dropCookie(name: string): void {
    this.cookies.drop(name);
  }

  /** The Cookie header this browser would send for a path of its origin. */
  cookieHeader(pathname: string): string {
    return this.cookies.header(pathname);
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url, this.origin);
    const headers: Record<string, string> = { accept: 'text/html', ...init.headers };
    const cookie = target.origin === this.origin ? this.cookies.header(target.pathname) : '';
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(target, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    if (target.origin === this.origin) this.cookies.remember(response);
    return response;
  }

  /** Follows redirects on the server's own origin; stops at the first foreign one (the client's redirect_uri). */
  async follow(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ response: Response; url: string }> {
    let response = await this.request(url, init);
    let current = new URL(url, this.origin).toString();
    for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops += 1) {
      const location = response.headers.get('location');
      if (!location) break;
      current = new URL(location, current).toString();
      if (new URL(current).origin !== this.origin) return { response, url: current };
      response = await this.request(current);
    }
    return { response, url: current };
  }
}

/** The first form's action and hidden fields in an HTML page. */
export function readForm(html: string, action?: RegExp): { action: string; fields: Record<string, string> } {
  const forms = [...html.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms.find(([, formAction]) => !action || action.test(formAction));
  if (!form) throw new Error(`no form${action ? ` matching ${action}` : ''} in page:\n${html.slice(0, 2000)}`);
  const fields: Record<string, string> = {};
  for (const [, name, value] of form[2].matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[name] = value;
  return { action: form[1].replace(/&amp;/g, '&'), fields };
}
