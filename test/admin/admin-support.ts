import { HttpBrowser, readForm } from '../support/http-browser.js';

export interface Credentials { username: string; password: string }

export interface PageResult { status: number; url: string; html: string }

/** A browser signed in through /admin (the account area's sign-in, then back); returns it and the page it landed on. */
export async function signInToAdmin(issuer: string, credentials: Credentials, start = '/admin'): Promise<{ browser: HttpBrowser } & PageResult> {
  const browser = new HttpBrowser(issuer);
  const login = await browser.follow(start);
  const form = readForm(await login.response.text(), /\/login$/);
  const landed = await browser.follow(form.action, { form: { ...form.fields, ...credentials } });
  return { browser, status: landed.response.status, url: landed.url, html: await landed.response.text() };
}

export async function page(browser: HttpBrowser, path: string): Promise<PageResult> {
  const { response, url } = await browser.follow(path);
  return { status: response.status, url, html: await response.text() };
}

/** This browser's CSRF token, read from a form of the account area (the same on every page of the browser). */
export async function csrfOf(browser: HttpBrowser): Promise<string> {
  const { html } = await page(browser, '/account');
  return readForm(html, /\/account\/profile$/).fields._csrf!;
}

export interface PostResult { status: number; location: string | null; html: string }

/** Posts a console form with the browser's CSRF token (unless `csrf: false`). */
export async function post(browser: HttpBrowser, action: string, fields: Record<string, string> = {}, options: { csrf?: boolean } = {}): Promise<PostResult> {
  const token: Record<string, string> = options.csrf === false ? {} : { _csrf: await csrfOf(browser) };
  const response = await browser.request(action, { method: 'POST', form: { ...token, ...fields } });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

/** Posts a change that asks first: the first post must answer the confirmation page, the second (confirm=yes) makes the change. */
export async function postConfirmed(browser: HttpBrowser, action: string, fields: Record<string, string> = {}): Promise<PostResult & { confirmation: string }> {
  const first = await post(browser, action, fields);
  if (first.status !== 200 || !first.html.includes('name="confirm" value="yes"')) {
    throw new Error(`expected a confirmation page from ${action}, got ${first.status}:\n${first.html.slice(0, 1500)}`);
  }
  const form = readForm(first.html, new RegExp(`^${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  expect(form.fields.confirm).toBe('yes');
  const second = await browser.request(form.action, { method: 'POST', form: form.fields });
  return { status: second.status, location: second.headers.get('location'), html: await second.text(), confirmation: first.html };
}
