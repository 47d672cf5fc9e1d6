import { readFile } from 'node:fs/promises';
import type { Middleware } from 'koa';
import { brandStylesheet, type Branding } from './branding.js';
import { STYLESHEET_FILE } from './views-location.js';

// Neither stylesheet holds anything personal, so unlike the pages they may be
// cached (an hour keeps deploys visible soon).
const CACHE = 'public, max-age=3600';

/** Serves the pages' one stylesheet from memory. */
export function createStylesheetRoute(): Middleware {
  let css: Promise<string> | undefined;
  return async (ctx) => {
    css ??= readFile(STYLESHEET_FILE, 'utf8');
    const body = await css;
    ctx.set('Cache-Control', CACHE);
    ctx.type = 'text/css; charset=utf-8';
    ctx.body = body;
  };
}

/** The few generated rules that carry BRAND_COLOR (see branding.ts). */
export function createBrandStylesheetRoute(branding: Branding): Middleware {
  const body = brandStylesheet(branding);
  return async (ctx) => {
    ctx.set('Cache-Control', CACHE);
    ctx.type = 'text/css; charset=utf-8';
    ctx.body = body;
  };
}
