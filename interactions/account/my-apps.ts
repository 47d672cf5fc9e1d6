import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { APP_KINDS, describeAppProblems, ownsApp, type AppKind } from '../../src/clients/account-apps-service.js';
import type { ClientSummary } from '../../src/clients/client-service.js';
import { parseRedirectUriList } from '../../src/clients/redirect-uri-policy.js';
import { ACCOUNT_PAGES_CLIENT_ID } from '../../src/oidc/account-pages/account-pages-client.js';
import { renderErrorPage } from '../render-page.js';
import { formatDate, paramOf, recordAccountChange, renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';

export const KIND_LABELS: Record<AppKind, { label: string; hint: string }> = {
  web: { label: 'Web application', hint: 'Runs on a server and keeps a client secret.' },
  spa: { label: 'Single-page app', hint: 'Runs in the browser; no secret, PKCE.' },
  native: { label: 'Mobile or desktop app', hint: 'Installed on a device; no secret, PKCE.' },
  device: { label: 'TV or device', hint: 'Has no browser; people enter a code on another device.' },
};

const newAppForm = z.object({
  name: z.string().trim().min(1, { message: 'Give the app a name.' }).max(100, { message: 'The name can be at most 100 characters.' }),
  kind: z.enum(APP_KINDS, { message: 'Choose what kind of app it is.' }),
  redirect_uris: z.string().max(4000).default(''),
});

function appView(client: ClientSummary) {
  const base = `/account/apps/${encodeURIComponent(client.clientId)}`;
  return {
    clientId: client.clientId, name: client.name, source: client.source, type: client.type, applicationType: client.applicationType,
    redirectUris: client.redirectUris, grantTypes: client.grantTypes, scopes: client.scopes, firstParty: client.firstParty,
    active: client.active, hasSecret: client.hasSecret, createdAt: formatDate(client.createdAt), href: base,
    rotateAction: `${base}/rotate`, deleteAction: `${base}/delete`, firstPartyAction: `${base}/first-party`,
  };
}

/**
 * GET /account/apps: the person's own apps; staff and superusers also see
 * every other client, in a list of its own. The account area's built-in
 * client (account-pages-client.ts) is part of the server, not an app.
 */
export function createListApps(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const clients = (await deps.apps.list(user)).filter((client) => client.clientId !== ACCOUNT_PAGES_CLIENT_ID);
    await renderAccountPage(ctx, deps, 'account-apps', 'apps', {
      title: 'My apps',
      notice: ctx.query.done === 'deleted' ? 'The app was deleted. Everything issued to it stopped working.' : undefined,
      apps: clients.filter((client) => ownsApp(user, client)).map(appView),
      others: clients.filter((client) => !ownsApp(user, client)).map(appView),
    });
  };
}

/** GET /account/apps/new */
export function createNewAppForm(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    await renderAccountPage(ctx, deps, 'account-app-new', 'apps', { title: 'Register an app', kinds: KIND_LABELS, form: { kind: 'web' } });
  };
}

/**
 * POST /account/apps, then 303 to the app's page (post/redirect/get, so a
 * reload never registers it again). A secret (web apps) goes with the
 * redirect through the one-time store and is shown there once.
 */
export function createRegisterApp(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const parsed = newAppForm.safeParse(body);
    const again = (errors: string[]) => renderAccountPage(ctx, deps, 'account-app-new', 'apps', {
      title: 'Register an app', kinds: KIND_LABELS, errors,
      form: { name: typeof body.name === 'string' ? body.name.slice(0, 100) : '', kind: body.kind, redirect_uris: typeof body.redirect_uris === 'string' ? body.redirect_uris.slice(0, 4000) : '' },
    }, 400);
    if (!parsed.success) return again(parsed.error.issues.map((issue) => issue.message));
    const redirectUris = parseRedirectUriList(parsed.data.redirect_uris);
    try {
      const { client, secret } = await deps.apps.register(user, { name: parsed.data.name, kind: parsed.data.kind, redirectUris });
      await recordAccountChange(ctx, deps, { event: 'client.created', clientId: client.clientId, details: { kind: parsed.data.kind } });
      if (secret) deps.secrets.put(ctx, { clientId: client.clientId, userId: user.id, secret });
      ctx.status = 303;
      ctx.redirect(`${appView(client).href}?done=registered`);
    } catch (err) {
      const problems = describeAppProblems(err);
      if (!problems) throw err;
      return again(problems);
    }
  };
}

async function notFound(ctx: Context, deps: AccountPageDeps): Promise<void> {
  await renderErrorPage(ctx, deps.render, {
    status: 404, heading: 'App not found', description: 'It does not exist, or it is not yours.', links: [{ href: '/account/apps', text: 'Back to my apps' }],
  });
}

/** GET /account/apps/:clientId */
export function createShowApp(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const client = await deps.apps.find(user, paramOf(ctx, 'clientId'));
    if (!client) return notFound(ctx, deps);
    const canManage = ownsApp(user, client);
    const secret = canManage ? await deps.secrets.take(ctx, { clientId: client.clientId, userId: user.id }) : undefined;
    await renderAccountPage(ctx, deps, 'account-app', 'apps', {
      title: client.name, app: appView(client), canManage, canMarkFirstParty: user.role === 'superuser' && client.source !== 'code',
      notice: ctx.query.done === 'first-party' ? 'Saved.' : undefined,
      secret, created: ctx.query.done === 'registered', rotated: ctx.query.done === 'rotated',
      issuer: deps.provider.issuer, discoveryUrl: `${deps.provider.issuer}/.well-known/openid-configuration`,
    });
  };
}

/** POST /account/apps/:clientId/rotate: the old secret stops working at once; the new one is shown once after the 303. */
export function createRotateSecret(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const rotated = await deps.apps.rotateSecret(user, paramOf(ctx, 'clientId')).catch((err: unknown) => {
      if (describeAppProblems(err)) return undefined;
      throw err;
    });
    if (!rotated) return notFound(ctx, deps);
    await recordAccountChange(ctx, deps, { event: 'client.changed', clientId: rotated.client.clientId, details: { change: 'secret_rotated' } });
    deps.secrets.put(ctx, { clientId: rotated.client.clientId, userId: user.id, secret: rotated.secret });
    ctx.status = 303;
    ctx.redirect(`${appView(rotated.client).href}?done=rotated`);
  };
}

/** POST /account/apps/:clientId/delete: the client and every grant and token issued to it. */
export function createDeleteApp(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const clientId = paramOf(ctx, 'clientId');
    if (!(await deps.apps.remove(user, clientId))) return notFound(ctx, deps);
    await recordAccountChange(ctx, deps, { event: 'client.deleted', clientId });
    ctx.status = 303;
    ctx.redirect('/account/apps?done=deleted');
  };
}

/** POST /account/apps/:clientId/first-party (superusers): first-party apps skip the consent screen. */
export function createSetFirstParty(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const clientId = paramOf(ctx, 'clientId');
    const value = (ctx.request.body as Record<string, unknown> | undefined)?.first_party === 'yes';
    if (!(await deps.apps.setFirstParty(user, clientId, value))) return notFound(ctx, deps);
    await recordAccountChange(ctx, deps, { event: 'client.changed', clientId, details: { change: 'first_party', first_party: value } });
    ctx.status = 303;
    ctx.redirect(`/account/apps/${encodeURIComponent(clientId)}?done=first-party`);
  };
}
