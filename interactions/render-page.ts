import path from 'node:path';
import type { Context } from 'koa';
import { compileFile, type CompiledTemplate } from 'pug';
import type { Branding } from './branding.js';
import { BRAND_STYLESHEET_PATH, STYLESHEET_PATH, VIEWS_DIR, type PageView } from './views-location.js';

export type PageLocals = Record<string, unknown>;

/** Something with a Koa response: our own ctx, or oidc-provider's. */
type Responding = Pick<Context, 'set' | 'type' | 'body'> & { state?: Record<string, unknown> };

/** Renders a view into ctx.body as no-store HTML; the status is the caller's. */
export type ViewRenderer = (ctx: Responding, view: PageView, locals: PageLocals) => void;

/** Renders a view into ctx.body with the given status: what interaction steps use. */
export type PageRenderer = (ctx: Context, view: PageView, locals: PageLocals, status?: number) => Promise<void>;

/** Locals every page gets, so the layout needs nothing from the request. */
function layoutLocals(branding: Branding): PageLocals {
  return {
    productName: branding.productName,
    brandLogoUrl: branding.logoUrl,
    stylesheetPath: STYLESHEET_PATH,
    brandStylesheetPath: branding.color ? BRAND_STYLESHEET_PATH : undefined,
  };
}

/**
 * The one page renderer: every pug view compiled once, for our own pages,
 * the pages oidc-provider renders itself, the start page and the error
 * responder. pug directly rather than koa-views (DESIGN.md's list): the
 * provider's pages (renderError, device and logout sources) are rendered on
 * its own ctx, outside any router koa-views could decorate, so koa-views
 * could serve only half of them and two renderers would drift.
 */
export function createViewRenderer(branding: Branding): ViewRenderer {
  const shared = layoutLocals(branding);
  const templates = new Map<PageView, CompiledTemplate>();
  return (ctx, view, locals) => {
    let template = templates.get(view);
    if (!template) {
      template = compileFile(path.join(VIEWS_DIR, `${view}.pug`));
      templates.set(view, template);
    }
    const html = template({ ...locals, ...shared });
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = html;
  };
}

/**
 * The same renderer with a status, for the interaction router. Every page
 * also gets the request's state, the CSRF token among it (ctx.state.csrfToken,
 * see csrf.ts), which the views put in a hidden `_csrf` field of each form.
 */
export function createPageRenderer(branding: Branding): PageRenderer {
  const render = createViewRenderer(branding);
  return async (ctx, view, locals, status = 200) => {
    ctx.status = status;
    render(ctx, view, { ...ctx.state, ...locals });
  };
}

export interface ErrorPage {
  status: number;
  heading: string;
  description: string;
  code?: string;
  detail?: string;
  links?: { href: string; text: string }[];
}

/** error.pug's locals, with the request id (src/http/request-id.ts) a person can quote to support. */
export function errorPageLocals(ctx: { state?: Record<string, unknown> }, page: Omit<ErrorPage, 'status'>): PageLocals {
  return {
    title: page.heading, heading: page.heading, description: page.description, code: page.code, detail: page.detail, links: page.links,
    requestId: ctx.state?.requestId,
  };
}

/** The error page as the outcome of a step (an expired form, a refused action). */
export async function renderErrorPage(ctx: Context, render: PageRenderer, page: ErrorPage): Promise<void> {
  await render(ctx, 'error', errorPageLocals(ctx, page), page.status);
}
