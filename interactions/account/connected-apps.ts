import type { Middleware } from 'koa';
import { describeScopes } from '../../src/scopes/scope-catalog.js';
import { safeWebUrl } from '../client-display.js';
import { renderErrorPage } from '../render-page.js';
import { formatDate, paramOf, recordAccountChange, renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';

type ConnectedApp = Awaited<ReturnType<AccountPageDeps['connected']['list']>>[number];

function connectedView(app: ConnectedApp) {
  const base = `/account/connected/${encodeURIComponent(app.clientId)}`;
  return {
    clientId: app.clientId,
    name: app.clientName,
    logoUri: safeWebUrl(app.logoUri),
    scopes: describeScopes(app.scopes),
    grantedAt: formatDate(app.grantedAt),
    updatedAt: formatDate(app.updatedAt),
    removeHref: `${base}/remove`,
    revokeAction: `${base}/revoke`,
  };
}

const notConnected = { status: 404, heading: 'This app is not connected', description: 'It may have been removed already.', links: [{ href: '/account/connected', text: 'Back to connected apps' }] };

/** GET /account/connected: every app the person has let in, what it may do, since when. */
export function createShowConnectedApps(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const apps = await deps.connected.list(user.id);
    await renderAccountPage(ctx, deps, 'account-connected', 'connected', {
      title: 'Connected apps',
      notice: ctx.query.done === 'revoked' ? 'Access removed. The app was signed out and its tokens no longer work.' : undefined,
      apps: apps.map(connectedView),
    });
  };
}

/**
 * GET /account/connected/:clientId/remove: asks before removing access, on a
 * page of its own (the CSP forbids the inline script a confirm() would need).
 */
export function createConfirmRevoke(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const clientId = paramOf(ctx, 'clientId');
    const app = (await deps.connected.list(user.id)).find((candidate) => candidate.clientId === clientId);
    if (!app) return renderErrorPage(ctx, deps.render, notConnected);
    await renderAccountPage(ctx, deps, 'account-connected-remove', 'connected', { title: `Remove access for ${app.clientName}?`, app: connectedView(app) });
  };
}

/** POST /account/connected/:clientId/revoke */
export function createRevokeConnectedApp(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const clientId = paramOf(ctx, 'clientId');
    if (!(await deps.connected.revoke(user.id, clientId))) {
      return renderErrorPage(ctx, deps.render, notConnected);
    }
    await recordAccountChange(ctx, deps, { event: 'grant.revoked', clientId });
    ctx.status = 303;
    ctx.redirect('/account/connected?done=revoked');
  };
}
