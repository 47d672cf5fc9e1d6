import type { Context } from 'koa';
import type { Branding } from './branding.js';
import { STYLESHEET_PATH, type PageView } from './views-location.js';

export type PageLocals = Record<string, unknown>;

/** Renders a view with koa-views (`ctx.render`) into ctx.body with the given status. */
export type PageRenderer = (ctx: Context, view: PageView, locals: PageLocals, status?: number) => Promise<void>;

/** Locals every page gets, so the layout needs nothing from the request. */
export function layoutLocals(branding: Branding): PageLocals {
  return { productName: branding.productName, stylesheetPath: STYLESHEET_PATH };
}

export function createPageRenderer(branding: Branding): PageRenderer {
  const shared = layoutLocals(branding);
  return async (ctx, view, locals, status = 200) => {
    ctx.status = status;
    await ctx.render(view, { ...locals, ...shared });
  };
}

export interface ErrorPage {
  status: number;
  heading: string;
  description: string;
  code?: string;
}

export async function renderErrorPage(ctx: Context, render: PageRenderer, page: ErrorPage): Promise<void> {
  await render(ctx, 'error', { title: page.heading, heading: page.heading, description: page.description, code: page.code }, page.status);
}
