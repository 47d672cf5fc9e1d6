import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { APP_KINDS, describeAppProblems, ownsApp, type AppKind } from '../../src/clients/account-apps-service.js';
import type { ClientSummary } from '../../src/clients/client-service.js';
import { renderErrorPage } from '../render-page.js';
import { formatDate, paramOf, renderAccountPage, signedInOf, type AccountPageDeps } from './account-deps.js';

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

/** GET /account/apps: own apps; staff and superusers see every client. */
export function createListApps(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const clients = await deps.apps.list(user);
    await renderAccountPage(ctx, deps, 'account-apps', 'apps', {
      title: 'My apps',
      notice: ctx.query.done === 'deleted' ? 'The app was deleted. Everything issued to it stopped working.' : undefined,
      apps: clients.map((client) => ({ ...appView(client), mine: ownsApp(user, client) })),
    });
  };
}

/** GET /account/apps/new */
export function createNewAppForm(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    await renderAccountPage(ctx, deps, 'account-app-new', 'apps', { title: 'Register an app', kinds: KIND_LABELS, form: { kind: 'web' } });
  };
}

/** POST /account/apps: the secret (web apps) is shown in this response only, never again. */
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
    const redirectUris = parsed.data.redirect_uris.split(/\s+/).filter(Boolean);
    try {
      const { client, secret } = await deps.apps.register(user, { name: parsed.data.name, kind: parsed.data.kind, redirectUris });
      await renderAccountPage(ctx, deps, 'account-app', 'apps', { title: client.name, app: appView(client), secret, created: true, canManage: true }, 201);
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
    await renderAccountPage(ctx, deps, 'account-app', 'apps', {
      title: client.name, app: appView(client), canManage, canMarkFirstParty: user.role === 'superuser' && client.source !== 'code',
      notice: ctx.query.done === 'first-party' ? 'Saved.' : undefined,
    });
  };
}

/** POST /account/apps/:clientId/rotate: the old secret stops working at once. */
export function createRotateSecret(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    const rotated = await deps.apps.rotateSecret(user, paramOf(ctx, 'clientId')).catch((err: unknown) => {
      if (describeAppProblems(err)) return undefined;
      throw err;
    });
    if (!rotated) return notFound(ctx, deps);
    await renderAccountPage(ctx, deps, 'account-app', 'apps', { title: rotated.client.name, app: appView(rotated.client), secret: rotated.secret, canManage: true });
  };
}

/** POST /account/apps/:clientId/delete: the client and every grant and token issued to it. */
export function createDeleteApp(deps: AccountPageDeps): Middleware {
  return async (ctx) => {
    const { user } = signedInOf(ctx);
    if (!(await deps.apps.remove(user, paramOf(ctx, 'clientId')))) return notFound(ctx, deps);
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
    ctx.status = 303;
    ctx.redirect(`/account/apps/${encodeURIComponent(clientId)}?done=first-party`);
  };
}
