import type { Middleware } from 'koa';
import { describeScopes } from '../../src/scopes/scope-catalog.js';
import { safeWebUrl } from '../client-display.js';
import { renderErrorPage } from '../render-page.js';
import { formatDate, paramOf, renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';

/** GET /account/connected: every app the person has let in, what it may do, since when. */
export function createShowConnectedApps(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const apps = await deps.connected.list(user.id);
    await renderAccountPage(ctx, deps, 'account-connected', 'connected', {
      title: 'Connected apps',
      notice: ctx.query.done === 'revoked' ? 'Access removed. The app was signed out and its tokens no longer work.' : undefined,
      apps: apps.map((app) => ({
        clientId: app.clientId,
        name: app.clientName,
        logoUri: safeWebUrl(app.logoUri),
        scopes: describeScopes(app.scopes),
        grantedAt: formatDate(app.grantedAt),
        updatedAt: formatDate(app.updatedAt),
        revokeAction: `/account/connected/${encodeURIComponent(app.clientId)}/revoke`,
      })),
    });
  };
}

/** POST /account/connected/:clientId/revoke */
export function createRevokeConnectedApp(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const clientId = paramOf(ctx, 'clientId');
    if (!(await deps.connected.revoke(user.id, clientId))) {
      return renderErrorPage(ctx, deps.render, {
        status: 404, heading: 'This app is not connected', description: 'It may have been removed already.', links: [{ href: '/account/connected', text: 'Back to connected apps' }],
      });
    }
    ctx.status = 303;
    ctx.redirect('/account/connected?done=revoked');
  };
}
