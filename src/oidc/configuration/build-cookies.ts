import type { Configuration } from 'oidc-provider';

export function buildCookies(keys: string[]): NonNullable<Configuration['cookies']> {
  return {
    keys,
    long: { signed: true, httpOnly: true, sameSite: 'lax' },
    short: { signed: true, httpOnly: true, sameSite: 'lax' },
  };
}
