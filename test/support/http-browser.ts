import { CookieJar } from '../../bench/cookie-jar.js';

/** A server behind a TLS-terminating proxy: the browser sees `origin`, the proxy adds `headers` and forwards to the listener. */
export interface ProxiedOrigin {
  origin: string;
  headers: Record<string, string>;
}

/**
 * A tiny cookie-keeping HTTP user agent for driving the interaction pages by
 * form posts, the way a browser would, without following redirects blindly.
 */
export class HttpBrowser {
  private readonly cookies = new CookieJar();
  /** The origin this browser treats as the server's (its cookies, its redirects). */
  private readonly origin: string;

  /** `listener`: where requests go; `proxied`: the public origin in front of it, when there is one. */
  constructor(private readonly listener: string, private readonly proxied?: ProxiedOrigin) {
    this.origin = proxied?.origin ?? listener;
  }

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
    const own = target.origin === this.origin;
    if (own && this.proxied) Object.assign(headers, this.proxied.headers);
    const sent = own ? new URL(`${target.pathname}${target.search}`, this.listener) : target;
    const response = await fetch(sent, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    if (own) this.cookies.remember(response);
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
