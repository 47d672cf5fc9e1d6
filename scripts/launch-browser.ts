import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium for page tests and screenshots: Debian's /usr/bin/chromium
 * (CHROMIUM_PATH overrides), no sandbox (containers), nothing phoning home.
 * Lives here, not in test/support/, because nothing may import test/
 * (scripts/screenshots.ts uses it; test/support/browser.ts re-exports it).
 */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Every wait is for a condition; its bound is only a safety net, so a
  // loaded machine waits longer instead of failing (Playwright's default is
  // 30 s). browser.newPage() goes through newContext() as well.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.setDefaultTimeout(120_000);
    context.setDefaultNavigationTimeout(120_000);
    return context;
  };
  return browser;
}
