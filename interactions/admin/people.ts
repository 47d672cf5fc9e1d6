import type { Middleware } from 'koa';
import { z } from 'zod';
import type { User } from '../../src/accounts/account-service.js';
import { formatDateTime, PAGE_SIZE, renderAdminPage, type AdminPageDeps } from './admin-deps.js';

const listQuery = z.object({
  q: z.string().max(200).optional().catch(undefined),
  after: z.string().max(200).optional().catch(undefined),
});

export function personHref(id: string): string {
  return `/admin/people/${encodeURIComponent(id)}`;
}

export function personRow(user: User) {
  return {
    id: user.id, username: user.username, name: user.name ?? '', email: user.email ?? '', role: user.role, active: user.active,
    lastLogin: formatDateTime(user.lastLoginAt), href: personHref(user.id),
  };
}

/**
 * GET /admin/people: search by the start of a username or e-mail address
 * (any case) or a whole id, a keyset page at a time (users-repository.ts
 * searchUsers; indexed by migration index_users_for_search).
 */
export function createListPeople(deps: AdminPageDeps): Middleware {
  return async (ctx) => {
    const { q = '', after } = listQuery.parse(ctx.query);
    const query = q.trim();
    const page = await deps.accounts.searchUsers({ query, after: after || undefined, limit: PAGE_SIZE });
    const link = (cursor?: string) => `/admin/people?${new URLSearchParams({ ...(query ? { q: query } : {}), ...(cursor ? { after: cursor } : {}) })}`;
    await renderAdminPage(ctx, deps, 'admin-people', 'people', {
      title: 'People',
      query,
      people: page.users.map(personRow),
      nextHref: page.next ? link(page.next) : undefined,
      firstHref: after ? link() : undefined,
    });
  };
}
