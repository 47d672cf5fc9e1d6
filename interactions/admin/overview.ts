import type { Middleware } from 'koa';
import { confirmed } from './admin-confirm.js';
import { formatDateTime, operatorOf, recordOperatorAction, renderAdminPage, type AdminPageDeps } from './admin-deps.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** "3 days", "5 hours", "less than an hour". */
export function formatAge(since: Date, now = Date.now()): string {
  const hours = Math.floor((now - since.getTime()) / (60 * 60 * 1000));
  if (hours < 1) return 'less than an hour';
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  return `${Math.floor(hours / 24)} days`;
}

const NOTICES: Record<string, string> = {
  rotated: 'New signing keys were made and the old ones retired. Restart every server instance to start signing with the new keys; the old ones stay published until what they signed has expired.',
};

/** GET /admin: how many people, apps and sessions there are, sign-ins in the last 24 hours, and the signing keys. */
export function createShowOverview(deps: AdminPageDeps): Middleware {
  return async (ctx) => {
    const since = new Date(Date.now() - DAY_MS);
    const [people, apps, sessions, recent, keys] = await Promise.all([
      deps.accounts.countUsers(),
      deps.clients.countClients(),
      deps.sessions.countLive(),
      deps.trail.countSince(['login.success', 'login.failure', 'login.locked'], since),
      deps.keys.list(),
    ]);
    await renderAdminPage(ctx, deps, 'admin-overview', 'overview', {
      title: 'Operator console',
      notice: typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined,
      stats: [
        { label: 'People', value: people, href: '/admin/people' },
        { label: 'Apps', value: apps, href: '/admin/apps' },
        { label: 'Active sessions', value: sessions, href: '/admin/sessions' },
        { label: 'Sign-ins, 24 h', value: recent['login.success'] ?? 0, href: '/admin/audit?event=login.success' },
        { label: 'Failed sign-ins, 24 h', value: recent['login.failure'] ?? 0, href: '/admin/audit?event=login.failure' },
        { label: 'Lockouts, 24 h', value: recent['login.locked'] ?? 0, href: '/admin/audit?event=login.locked' },
      ].map((stat) => ({ ...stat, value: stat.value.toLocaleString('en-GB') })),
      keys: keys.filter((key) => key.state !== 'expired').map((key) => ({
        kid: key.kid, alg: key.alg, state: key.state, age: formatAge(key.createdAt), created: formatDateTime(key.createdAt),
        publishedUntil: key.publishedUntil ? formatDateTime(key.publishedUntil) : undefined,
      })),
      canRotate: operatorOf(ctx).superuser,
    });
  };
}

/** POST /admin/keys/rotate (superusers, after a confirmation): the same rotation as `keys rotate`. */
export function createRotateKeys(deps: AdminPageDeps): Middleware {
  return async (ctx) => {
    const go = await confirmed(ctx, deps, {
      heading: 'Rotate the signing keys?',
      description: 'A new key is made for each algorithm and the current ones are retired. Retired keys stay published until every token they signed has expired, so nothing stops working; servers sign with the new keys after their next restart. This cannot be undone.',
      button: 'Rotate the signing keys',
      cancelHref: '/admin',
    });
    if (!go) return;
    const result = await deps.keys.rotate();
    await recordOperatorAction(ctx, deps, {
      event: 'keys.rotated', details: { created: result.created.map((key) => key.kid), retired: result.retired, deleted: result.deleted },
    });
    ctx.status = 303;
    ctx.redirect('/admin?done=rotated');
  };
}
