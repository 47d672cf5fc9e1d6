/**
 * A tiny cookie-keeping HTTP user agent for driving the interaction pages by
 * form posts, the way a browser would, without following redirects blindly.
 */
export class HttpBrowser {
  // Keyed by name and path, as a browser keeps them: parallel interactions
  // each have their own `_interaction` cookie under /interaction/<uid>.
  private readonly cookies = new Map<string, { name: string; path: string; value: string }>();

  constructor(private readonly origin: string) {}

  private remember(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const path = /;\s*path=([^;]*)/i.exec(header)?.[1]?.trim() || '/';
      const key = `${name}\u0000${path}`;
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '') this.cookies.delete(key);
      else this.cookies.set(key, { name, path, value });
    }
  }

  /** Forgets a cookie under every path, as when it expires. */
  dropCookie(name: string): void {
    for (const [key, cookie] of this.cookies) if (cookie.name === name) this.cookies.delete(key);
  }

  private cookieHeader(pathname: string): string {
    // Longest path first, as browsers order them (RFC 6265 §5.4).
    return [...this.cookies.values()]
      .filter(({ path }) => pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`))
      .sort((a, b) => b.path.length - a.path.length)
      .map(({ name, value }) => `${name}=${value}`).join('; ');
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url, this.origin);
    const headers: Record<string, string> = { accept: 'text/html', ...init.headers };
    const cookie = target.origin === this.origin ? this.cookieHeader(target.pathname) : '';
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(target, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    if (target.origin === this.origin) this.remember(response);
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
