import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium for page tests and screenshots: Debian's /usr/bin/chromium
 * (CHROMIUM_PATH overrides), no sandbox (containers), nothing phoning home.
 * Lives here, not in test/support/, because nothing may import test/
 * (scripts/screenshots.ts uses it; test/support/browser.ts re-exports it).
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
