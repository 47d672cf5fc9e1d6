import type { Locator } from 'playwright-core';

export { launchBrowser } from '../../scripts/launch-browser.js';

/**
 * Waits (up to a minute, a safety net on a loaded machine) until one of the elements shows `expected` and returns
 * that element's text, so a test reads the page it navigated to, not the one
 * it left. playwright-core has no web-first `expect`; this is the one wait.
 */
export async function shown(locator: Locator, expected: string): Promise<string> {
  const match = locator.filter({ hasText: expected }).first();
  await match.waitFor({ timeout: 60_000 });
  return ((await match.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}
