import type { Context, Middleware } from 'koa';
import { resolveBranding, type Branding } from './branding.js';
import { createViewRenderer, errorPageLocals } from './render-page.js';
import { readableError } from './error-messages.js';

export interface SitePagesOptions {
  issuer: string;
  branding?: Partial<Branding>;
  /** Outside production the start page names the next command to run. */
  showNextSteps: boolean;
}

export interface SitePages {
  /** GET (and HEAD) / : what this server is, its discovery URL, the way to the account pages. */
  startPage: Middleware;
  /** The styled error page for an error of our own routes (src/http/error-middleware.ts); the status is set already. */
  error(ctx: Context, out: { error: string; error_description?: string; page?: { heading: string; advice: string } }): void;
}

const UNREADABLE = { heading: 'The request could not be read', advice: 'Go back and try again.', links: [{ href: '/', text: 'Go to the start page' }] };

/**
 * The server's own pages outside an interaction: the start page at the
 * issuer URL, and the error page the app's error responder shows a browser
 * (a 404 included), both in the same layout as every other page.
 */
export function createSitePages({ issuer, branding, showNextSteps }: SitePagesOptions): SitePages {
  const render = createViewRenderer(resolveBranding(branding));
  const start = {
    title: 'Start',
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    showNextSteps,
  };
  return {
    startPage: async (ctx, next) => {
      if (ctx.path !== '/' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
      render(ctx, 'start', start);
      // Nothing personal on it, but it follows the configuration: revalidate.
      ctx.set('Cache-Control', 'no-cache');
      return undefined;
    },
    error(ctx, out) {
      // Outside a sign-in, a malformed request is just that.
      const readable = out.error === 'invalid_request' ? UNREADABLE : readableError(out.error);
      render(ctx, 'error', errorPageLocals(ctx, {
        heading: out.page?.heading ?? readable.heading, description: out.page?.advice ?? readable.advice, code: out.error,
        detail: out.error === 'not_found' ? undefined : out.error_description, links: readable.links,
      }));
    },
  };
}
