import type { Browser, Page } from 'playwright-core';
import { launchBrowser, shown } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Layout checks a person would notice, in headless Chromium at a desktop and
// a phone width: nothing wraps or is clipped, dark mode applies.
const user = { username: 'ada', password: 'ada-password-1' };
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

describe('first-hour pages in a real browser', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer('first_hour_browser'), launchBrowser()]);
    await server.app.accounts.createUser(user);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(viewport: { width: number; height: number }, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const context = await browser.newContext({ viewport, colorScheme });
    return context.newPage();
  }

  async function signIn(page: Page): Promise<void> {
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  // Evaluated in the page; no DOM globals (the project compiles without the DOM lib).
  const overflowsSideways = (page: Page) => page.locator('html').evaluate((element) => element.scrollWidth > element.clientWidth);

  it('shows the start page at / without sideways scrolling on a phone, in dark mode', async () => {
    const page = await open(PHONE, 'dark');
    await page.goto(`${server.issuer}/`);
    expect(await shown(page.locator('h1'), 'Sign-in service')).toBe('Sign-in service');
    expect(await shown(page.locator('.next-steps'), 'clients demo')).toContain('npm run cli -- clients demo');
    expect(await overflowsSideways(page)).toBe(false);
    expect(await page.locator('body').evaluate((element) => element.ownerDocument.defaultView?.getComputedStyle(element).backgroundColor)).toBe('rgb(21, 23, 26)');
    await page.getByRole('link', { name: 'Sign in to your account' }).click();
    expect(await shown(page.locator('h1'), 'Sign in')).toBe('Sign in');
    await page.context().close();
  });

  it('keeps each sign-out button on one line, side by side, at 1280 px, and the signed-out page leads back', async () => {
    const page = await open(DESKTOP);
    await page.goto(`${server.issuer}/account`);
    await signIn(page);
    await page.getByRole('link', { name: 'Sign out' }).click();
    expect(await shown(page.locator('h1'), 'Sign out of')).toBe(`Sign out of ${new URL(server.issuer).host}?`);
    const buttons = await page.locator('.actions button').evaluateAll((elements) => elements.map((element) => {
      const style = element.ownerDocument.defaultView!.getComputedStyle(element);
      const text = element.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
      return { lines: text / parseFloat(style.lineHeight), top: element.getBoundingClientRect().top };
    }));
    expect(buttons).toHaveLength(2);
    for (const button of buttons) expect(button.lines).toBeLessThan(1.5);
    expect(buttons[0]!.top).toBe(buttons[1]!.top);

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    expect(await shown(page.locator('h1'), 'You are signed out')).toBe('You are signed out');
    await page.getByRole('link', { name: 'Go to the start page' }).click();
    expect(await shown(page.locator('h1'), 'Sign-in service')).toBe('Sign-in service');
    await page.context().close();
  });

  it('shows a new client secret whole, in a monospace field, at 390 px', async () => {
    const page = await open(PHONE);
    await page.goto(`${server.issuer}/account/apps/new`);
    await signIn(page);
    await page.getByLabel('Name', { exact: true }).fill('Phone Test');
    await page.getByLabel(/Web application/).check();
    await page.getByLabel('Redirect URIs').fill('https://phone.example.com/cb');
    await page.getByRole('button', { name: 'Register' }).click();
    const field = page.getByLabel('Client secret');
    await field.waitFor();
    const box = await field.evaluate((element) => ({
      font: element.ownerDocument.defaultView!.getComputedStyle(element).fontFamily,
      clippedSideways: element.scrollWidth > element.clientWidth,
      clippedDown: element.scrollHeight > element.clientHeight,
    }));
    expect(box.font).toMatch(/monospace/);
    expect(box).toMatchObject({ clippedSideways: false, clippedDown: false });
    expect(await overflowsSideways(page)).toBe(false);
    expect((await field.inputValue()).length).toBeGreaterThanOrEqual(43);

    await page.reload();
    expect(await shown(page.getByRole('status'), 'shown once')).toContain('Its secret was shown once');
    expect(await page.getByLabel('Client secret').count()).toBe(0);
    await page.context().close();
  });
});
