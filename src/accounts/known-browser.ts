import { createHash } from 'node:crypto';

/**
 * The value of the "known browser" cookie: the accounts that have signed in
 * from this browser, most recent first, as one short digest each. The cookie
 * is signed with the provider's cookie keys and HttpOnly (set in
 * interactions/login-attempts.ts), so it cannot be made up or read by scripts;
 * the digest binds it to one account id without showing the id, so a cookie
 * earned by account A does nothing for account B (OWASP Authentication Cheat
 * Sheet, "device cookies").
 */
export const KNOWN_BROWSER_COOKIE = 'op.known';
const MAX_ACCOUNTS = 5;
const TAG = /^[A-Za-z0-9_-]{22}$/;

function tagOf(accountId: string): string {
  return createHash('sha256').update(`known-browser\u0000${accountId}`).digest('base64url').slice(0, 22);
}

function tagsOf(value: string | undefined): string[] {
  return (value ?? '').split('.').filter((tag) => TAG.test(tag)).slice(0, MAX_ACCOUNTS);
}

export function isKnownAccount(value: string | undefined, accountId: string): boolean {
  return tagsOf(value).includes(tagOf(accountId));
}

/** The cookie value after `accountId` signed in: it first, at most five accounts. */
export function withKnownAccount(value: string | undefined, accountId: string): string {
  const tag = tagOf(accountId);
  return [tag, ...tagsOf(value).filter((existing) => existing !== tag)].slice(0, MAX_ACCOUNTS).join('.');
}
