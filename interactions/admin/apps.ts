import type { Middleware } from 'koa';
import { z } from 'zod';
import type { ClientSummary } from '../../src/clients/client-service.js';
import { formatDateTime, PAGE_SIZE, renderAdminPage, type AdminPageDeps } from './admin-deps.js';

const listQuery = z.object({
  q: z.string().max(200).optional().catch(undefined),
  after: z.string().max(200).optional().catch(undefined),
});

export function appHref(clientId: string): string {
  return `/admin/apps/${encodeURIComponent(clientId)}`;
}

/** Where each kind of client comes from, as the list and the app page name it. */
export const SOURCE_LABELS: Record<ClientSummary['source'], string> = {
  code: 'code', cli: 'CLI', registration: 'registration', account: 'account page',
};

function appRow(client: ClientSummary) {
  return {
    clientId: client.clientId, name: client.name, source: SOURCE_LABELS[client.source], type: client.type, applicationType: client.applicationType,
    active: client.active, created: formatDateTime(client.createdAt), href: appHref(client.clientId),
  };
}

/** GET /admin/apps: every client with its source, searched by client_id prefix or name, a keyset page at a time. */
export function createListApps(deps: AdminPageDeps): Middleware {
  return async (ctx) => {
    const { q = '', after } = listQuery.parse(ctx.query);
    const query = q.trim();
    const page = await deps.clients.searchClients({ query, after: after || undefined, limit: PAGE_SIZE });
    const link = (cursor?: string) => `/admin/apps?${new URLSearchParams({ ...(query ? { q: query } : {}), ...(cursor ? { after: cursor } : {}) })}`;
    await renderAdminPage(ctx, deps, 'admin-apps', 'apps', {
      title: 'Apps',
      query,
      apps: page.clients.map(appRow),
      nextHref: page.next ? link(page.next) : undefined,
      firstHref: after ? link() : undefined,
    });
  };
}
