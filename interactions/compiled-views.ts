import path from 'node:path';
import type { Context } from 'koa';
import { compileFile, type CompiledTemplate } from 'pug';
import type { Branding } from './branding.js';
import { layoutLocals, type PageLocals } from './render-page.js';
import { VIEWS_DIR, type PageView } from './views-location.js';

/** Something with a Koa response: our own ctx, or oidc-provider's (which has no koa-views). */
type Responding = Pick<Context, 'set' | 'type' | 'body'>;

/** Renders a view into ctx.body as no-store HTML; the status is the caller's. */
export type ViewRenderer = (ctx: Responding, view: PageView, locals: PageLocals) => void;

/**
 * The same pug views, compiled directly (once each) for the contexts that do
 * not go through the interaction router's koa-views: the pages oidc-provider
 * renders itself, the start page and the app's error responder.
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
