import helmet from 'koa-helmet';
import type { Middleware } from 'koa';

/**
 * Strict headers for every response. `form-action` is left out on purpose:
 * Chromium applies it to the redirect that follows a form post, and the
 * consent form must be able to end in a redirect to the client's redirect_uri.
 * oidc-provider adds the hash of its own form_post script to script-src.
 */
export function securityHeaders(): Middleware {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'https:', 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  }) as unknown as Middleware;
}
