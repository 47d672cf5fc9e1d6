import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { ClientSummary } from '../../src/clients/client-service.js';
import { ACCOUNT_PAGES_CLIENT_ID } from '../../src/oidc/account-pages/account-pages-client.js';
import { paramOf } from '../account/account-deps.js';
import { renderErrorPage } from '../render-page.js';
import { formatDateTime, operatorOf, renderAdminPage, type AdminPageDeps } from './admin-deps.js';
import { appHref, SOURCE_LABELS } from './apps.js';
import { personHref } from './people.js';

const pageQuery = z.object({ after: z.string().max(200).optional().catch(undefined) });

export async function findAppOr404(ctx: Context, deps: AdminPageDeps): Promise<ClientSummary | undefined> {
  const client = await deps.clients.findClient(paramOf(ctx, 'clientId'));
  if (!client) {
    await renderErrorPage(ctx, deps.render, { status: 404, heading: 'No such app', description: 'There is no client with this id.', code: 'not_found', links: [{ href: '/admin/apps', text: 'Apps' }] });
  }
  return client;
}

/** Why a client cannot be changed here, or undefined when it can. */
export function readOnlyNote(client: ClientSummary): string | undefined {
  if (client.clientId === ACCOUNT_PAGES_CLIENT_ID) {
    return 'Built in: this is the account pages’ own sign-in client (src/oidc/account-pages/account-pages-client.ts), derived from the issuer at every start. It cannot be changed.';
  }
  if (client.source === 'code') {
    return 'Defined in code: change it in src/clients/clients.config.ts and restart; the next start syncs it. It cannot be changed here.';
  }
  return undefined;
}

const NOTICES: Record<string, string> = {
  disabled: 'The app is disabled: it can no longer authenticate, and its grants and tokens were revoked.',
  enabled: 'The app is enabled again. Nothing revoked came back.',
  rotated: 'A new secret was generated and shown once; the old one stopped working at once.',
  redirects: 'The redirect URIs were saved.',
  'app-revoked': 'The person’s access was removed.',
};

export interface AppPageExtras {
  errors?: string[];
  redirectText?: string;
  secret?: string;
}

/** The app page; also re-rendered with the problems of a refused redirect URI edit. */
export async function renderApp(ctx: Context, deps: AdminPageDeps, client: ClientSummary, extras: AppPageExtras = {}, status = 200): Promise<void> {
  const { after } = pageQuery.parse(ctx.query);
  const operator = operatorOf(ctx);
  const href = appHref(client.clientId);
  const [grants, owner] = await Promise.all([
    deps.sessions.grantsForApp(client.clientId, { after: after || undefined }),
    client.ownerId ? deps.accounts.findUser(client.ownerId) : undefined,
  ]);
  const note = readOnlyNote(client);
  const manage = operator.superuser && !note;
  await renderAdminPage(ctx, deps, 'admin-app', 'apps', {
    title: client.name,
    notice: typeof ctx.query.done === 'string' && !extras.secret ? NOTICES[ctx.query.done] : undefined,
    errors: extras.errors,
    secret: extras.secret,
    readOnlyNote: note,
    app: {
      clientId: client.clientId, name: client.name, source: SOURCE_LABELS[client.source], type: client.type, applicationType: client.applicationType,
      authMethod: client.tokenEndpointAuthMethod, hasSecret: client.hasSecret, active: client.active, firstParty: client.firstParty,
      redirectUris: client.redirectUris, postLogoutRedirectUris: client.postLogoutRedirectUris, grantTypes: client.grantTypes.join(', '),
      scopes: client.scopes.join(' '), settings: Object.entries(client.settings).map(([key, value]) => ({ key, value: Array.isArray(value) ? value.join(' ') : String(value) })),
      owner: owner ? { username: owner.username, href: personHref(owner.id) } : undefined,
      created: formatDateTime(client.createdAt), updated: formatDateTime(client.updatedAt), href,
    },
    redirectText: extras.redirectText ?? client.redirectUris.join('\n'),
    grants: grants.grants.map((grant) => ({
      username: grant.username ?? grant.accountId, personHref: personHref(grant.accountId), scopes: grant.scopes.join(' '), granted: formatDateTime(grant.grantedAt),
      revokeAction: `${personHref(grant.accountId)}/apps/${encodeURIComponent(client.clientId)}/revoke`, back: href,
    })),
    grantsNextHref: grants.next ? `${href}?${new URLSearchParams({ after: grants.next })}` : undefined,
    can: { manage, rotate: manage && client.hasSecret, revokeGrants: true },
  }, status);
}

/** GET /admin/apps/:clientId: settings, source, status, the people signed in to it; a rotated secret once. */
export function createShowApp(deps: AdminPageDeps): Middleware {
  return async (ctx) => {
    const client = await findAppOr404(ctx, deps);
    if (!client) return;
    const secret = ctx.query.done === 'rotated' ? await deps.secrets.take(ctx, { clientId: client.clientId, userId: operatorOf(ctx).user.id }) : undefined;
    await renderApp(ctx, deps, client, { secret });
  };
}
