import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { describeAppProblems } from '../../src/clients/account-apps-service.js';
import type { ClientSummary } from '../../src/clients/client-service.js';
import { parseRedirectUriList } from '../../src/clients/redirect-uri-policy.js';
import { renderErrorPage } from '../render-page.js';
import { confirmed } from './admin-confirm.js';
import { auditedClients, operatorOf, type AdminPageDeps } from './admin-deps.js';
import { appHref } from './apps.js';
import { findAppOr404, readOnlyNote, renderApp } from './app.js';

function redirectDone(ctx: Context, client: ClientSummary, done: string): void {
  ctx.status = 303;
  ctx.redirect(`${appHref(client.clientId)}?done=${done}`);
}

/** Loads the app and refuses clients in code (and the built-in account client): they are read-only here. */
function appAction(deps: AdminPageDeps, run: (ctx: Context, client: ClientSummary) => Promise<void>): Middleware {
  return async (ctx) => {
    const client = await findAppOr404(ctx, deps);
    if (!client) return;
    const note = readOnlyNote(client);
    if (note) {
      await renderErrorPage(ctx, deps.render, { status: 403, heading: 'This app is read-only here', description: note, code: 'forbidden', links: [{ href: appHref(client.clientId), text: 'Back to the app' }] });
      return;
    }
    await run(ctx, client);
  };
}

/** POST /admin/apps/:clientId/disable: as `clients disable`, it can no longer authenticate and its grants and tokens go. */
export function createDisableApp(deps: AdminPageDeps): Middleware {
  return appAction(deps, async (ctx, client) => {
    const go = await confirmed(ctx, deps, {
      heading: `Disable ${client.name}?`,
      description: 'The app can no longer authenticate, and every grant and token issued to it is revoked at once. Enabling it later does not bring them back.',
      button: 'Disable the app', cancelHref: appHref(client.clientId),
    });
    if (!go) return;
    await auditedClients(ctx, deps).setActive(client.clientId, false);
    redirectDone(ctx, client, 'disabled');
  });
}

/** POST /admin/apps/:clientId/enable (can be undone: no confirmation). */
export function createEnableApp(deps: AdminPageDeps): Middleware {
  return appAction(deps, async (ctx, client) => {
    await auditedClients(ctx, deps).setActive(client.clientId, true);
    redirectDone(ctx, client, 'enabled');
  });
}

/**
 * POST /admin/apps/:clientId/rotate: a new secret, handed to the page after
 * the redirect through the one-time store and shown there once
 * (one-time-secret.ts); the old secret stops working at once.
 */
export function createRotateAppSecret(deps: AdminPageDeps): Middleware {
  return appAction(deps, async (ctx, client) => {
    if (!client.hasSecret) {
      await renderErrorPage(ctx, deps.render, { status: 400, heading: 'This app has no secret', description: 'It is a public client or authenticates with a key.', code: 'invalid_request', links: [{ href: appHref(client.clientId), text: 'Back to the app' }] });
      return;
    }
    const go = await confirmed(ctx, deps, {
      heading: `Generate a new secret for ${client.name}?`,
      description: 'The current secret stops working at once: the app cannot get tokens until it is given the new one, which is shown only once. This cannot be undone.',
      button: 'Generate a new secret', cancelHref: appHref(client.clientId),
    });
    if (!go) return;
    const { secret } = await auditedClients(ctx, deps).rotateSecret(client.clientId);
    deps.secrets.put(ctx, { clientId: client.clientId, userId: operatorOf(ctx).user.id, secret });
    redirectDone(ctx, client, 'rotated');
  });
}

const redirectForm = z.object({ redirect_uris: z.string().max(20_000).default('') });

/**
 * POST /admin/apps/:clientId/redirect-uris: one or more URIs per line, parsed
 * and checked as everywhere else (redirect-uri-policy.ts, client-service.ts).
 * A refused list comes back with one line per problem.
 */
export function createSetRedirectUris(deps: AdminPageDeps): Middleware {
  return appAction(deps, async (ctx, client) => {
    const parsed = redirectForm.safeParse(ctx.request.body ?? {});
    const text = parsed.success ? parsed.data.redirect_uris : '';
    if (!parsed.success) return renderApp(ctx, deps, client, { errors: ['The list is too long.'], redirectText: '' }, 400);
    try {
      await auditedClients(ctx, deps).setRedirectUris(client.clientId, parseRedirectUriList(text));
    } catch (err) {
      const problems = describeAppProblems(err);
      if (!problems) throw err;
      return renderApp(ctx, deps, client, { errors: problems, redirectText: text }, 400);
    }
    return redirectDone(ctx, client, 'redirects');
  });
}
