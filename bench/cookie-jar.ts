/**
 * The cookies of one origin, kept the way a browser keeps them: by name and
 * path (parallel interactions each have their own `_interaction` cookie under
 * /interaction/<uid>), sent longest path first (RFC 6265 §5.4), forgotten
 * when a Set-Cookie empties or expires them. Shared by the benchmark's
 * sign-ins (form-session.ts) and the tests' HTTP browser
 * (test/support/http-browser.ts); nothing in src/ uses it.
 */
export class CookieJar {
  private readonly cookies = new Map<string, { name: string; path: string; value: string }>();

  /** Takes in every Set-Cookie of a response. */
  remember(response: Response): void {
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
  drop(name: string): void {
    for (const [key, cookie] of this.cookies) if (cookie.name === name) this.cookies.delete(key);
  }

  /** The Cookie header for a request to `pathname` ('' when nothing applies). */
  header(pathname: string): string {
    return [...this.cookies.values()]
      .filter(({ path }) => pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`))
      .sort((a, b) => b.path.length - a.path.length)
      .map(({ name, value }) => `${name}=${value}`).join('; ');
  }
}
