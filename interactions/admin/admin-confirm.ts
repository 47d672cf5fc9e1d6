import type { Context } from 'koa';
import { CSRF_FIELD } from '../csrf.js';
import { renderAdminPage, type AdminPageDeps } from './admin-deps.js';

export interface Confirmation {
  heading: string;
  /** What happens, and that it cannot be undone. */
  description: string;
  button: string;
  cancelHref: string;
}

/**
 * A change that cannot be undone is a form posted twice: the first post
 * (without `confirm`) answers a page saying what will happen, whose form
 * posts the same fields to the same address with confirm=yes. A second form
 * step rather than a script's confirm() dialog: the pages run no inline
 * script (Content-Security-Policy script-src 'self', security-headers.ts).
 * Returns true when the change was confirmed and may go ahead.
 */
export async function confirmed(ctx: Context, deps: AdminPageDeps, page: Confirmation): Promise<boolean> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  if (body.confirm === 'yes') return true;
  const fields = Object.entries(body)
    .filter(([name, value]) => name !== CSRF_FIELD && name !== 'confirm' && typeof value === 'string')
    .map(([name, value]) => ({ name, value: value as string }));
  await renderAdminPage(ctx, deps, 'admin-confirm', sectionOf(ctx.path), { title: page.heading, ...page, action: ctx.path, fields });
  return false;
}

function sectionOf(path: string) {
  if (path.startsWith('/admin/people')) return 'people' as const;
  if (path.startsWith('/admin/apps')) return 'apps' as const;
  return 'overview' as const;
}
