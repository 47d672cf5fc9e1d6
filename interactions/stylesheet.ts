import { readFile } from 'node:fs/promises';
import type { Middleware } from 'koa';
import { STYLESHEET_FILE } from './views-location.js';

/**
 * Serves the pages' one stylesheet from memory. It holds nothing personal,
 * so unlike the pages it may be cached (an hour keeps deploys visible soon).
 */
export function createStylesheetRoute(): Middleware {
  let css: Promise<string> | undefined;
  return async (ctx) => {
    css ??= readFile(STYLESHEET_FILE, 'utf8');
    const body = await css;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.type = 'text/css; charset=utf-8';
    ctx.body = body;
  };
}
