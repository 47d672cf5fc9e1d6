import type { Configuration } from 'oidc-provider';

/**
 * SameSite=Lax by default. With POST at the authorization and end-session
 * endpoints (HTTP_POST_METHODS), the session cookie (`long`) must travel on a
 * relying party's cross-site form POST, which only SameSite=None allows
 * (oidc-provider refuses the combination otherwise); the short-lived
 * interaction cookies stay Lax, as they are only read on this site's own pages.
 */
export function buildCookies(keys: string[], options: { httpPostMethods: boolean }): Pick<Configuration, 'cookies' | 'enableHttpPostMethods'> {
  return {
    cookies: {
      keys,
      long: { signed: true, httpOnly: true, sameSite: options.httpPostMethods ? 'none' : 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    enableHttpPostMethods: options.httpPostMethods,
  };
}
