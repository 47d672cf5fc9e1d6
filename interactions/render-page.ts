import type { Context } from 'koa';
import type { Branding } from './branding.js';
import { BRAND_STYLESHEET_PATH, STYLESHEET_PATH, type PageView } from './views-location.js';

export type PageLocals = Record<string, unknown>;

/** Renders a view with koa-views (`ctx.render`) into ctx.body with the given status. */
export type PageRenderer = (ctx: Context, view: PageView, locals: PageLocals, status?: number) => Promise<void>;

/** Locals every page gets, so the layout needs nothing from the request. */
export function layoutLocals(branding: Branding): PageLocals {
  return {
    productName: branding.productName,
    brandLogoUrl: branding.logoUrl,
    stylesheetPath: STYLESHEET_PATH,
    brandStylesheetPath: branding.color ? BRAND_STYLESHEET_PATH : undefined,
  };
}

/**
 * Also hands every page the request's CSRF token (ctx.state.csrfToken, see
 * csrf.ts), which the views put in a hidden `_csrf` field of each form.
 */
export function createPageRenderer(branding: Branding): PageRenderer {
  const shared = layoutLocals(branding);
  return async (ctx, view, locals, status = 200) => {
    ctx.status = status;
    const csrfToken = typeof ctx.state.csrfToken === 'string' ? ctx.state.csrfToken : undefined;
    // With the extension koa-views finds the file at the first fs.stat; without
    // it every render first fails a stat on the bare name (get-paths).
    await ctx.render(`${view}.pug`, { csrfToken, ...locals, ...shared });
  };
}

export interface ErrorPage {
  status: number;
  heading: string;
  description: string;
  code?: string;
  links?: { href: string; text: string }[];
}

/** The error page, with the request id (src/http/request-id.ts) a person can quote to support. */
export async function renderErrorPage(ctx: Context, render: PageRenderer, page: ErrorPage): Promise<void> {
  await render(ctx, 'error', {
    title: page.heading, heading: page.heading, description: page.description, code: page.code, links: page.links, requestId: ctx.state.requestId,
  }, page.status);
}
