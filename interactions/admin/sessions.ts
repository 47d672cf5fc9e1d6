import type { Middleware } from 'koa';
import { z } from 'zod';
import { paramOf } from '../account/account-deps.js';
import { confirmed } from './admin-confirm.js';
import { backPathOf, operatorOf, PAGE_SIZE, recordOperatorAction, renderAdminPage, type AdminPageDeps } from './admin-deps.js';
import { personHref } from './people.js';
import { clientNames, sessionRows } from './person.js';
import { personAction, redirectDone } from './person-actions.js';

const pageQuery = z.object({ after: z.string().max(200).optional().catch(undefined) });

/** GET /admin/sessions: every live sign-in session, most recently used first, a keyset page at a time. */
export function createListSessions(deps: AdminPageDeps): Middleware {
  return async (ctx) => {
    const { after } = pageQuery.parse(ctx.query);
    const page = await deps.sessions.listLive({ after: after || undefined, limit: PAGE_SIZE }, operatorOf(ctx).sessionId);
    const names = await clientNames(deps, page.sessions.flatMap((session) => session.clientIds));
    await renderAdminPage(ctx, deps, 'admin-sessions', 'sessions', {
      title: 'Sessions',
      sessions: sessionRows(page.sessions, names, '/admin/sessions'),
      nextHref: page.next ? `/admin/sessions?${new URLSearchParams({ after: page.next })}` : undefined,
      firstHref: after ? '/admin/sessions' : undefined,
    });
  };
}

/**
 * POST /admin/people/:id/sessions/:sessionId/end: ends one session (the
 * stored id names it; the cookie value is never known here). Its apps with a
 * back-channel logout address are told.
 */
export function createEndSession(deps: AdminPageDeps): Middleware {
  return personAction(deps, async (ctx, person) => {
    const sessionId = paramOf(ctx, 'sessionId');
    const back = backPathOf((ctx.request.body as Record<string, unknown> | undefined)?.back, personHref(person.id));
    const go = await confirmed(ctx, deps, {
      heading: `End this session of ${person.username}?`,
      description: 'The browser is signed out; apps it signed in to with a back-channel logout address are told. Tokens the apps already hold stay valid until they expire or their grant is revoked. This cannot be undone.',
      button: 'End the session', cancelHref: back,
    });
    if (!go) return;
    const { ended, delivery } = await deps.sessions.endSession(person.id, sessionId);
    if (ended) await recordOperatorAction(ctx, deps, { event: 'session.ended', details: { user_id: person.id, session: sessionId } });
    redirectDone(ctx, back.split('?')[0]!, ended ? 'session-ended' : 'session-gone', delivery);
  }, { onSelf: true });
}

/**
 * POST /admin/people/:id/apps/:clientId/revoke: removes the person's grants
 * to the app and every token issued under them, as "Remove access" on their
 * own account page does (connected-apps-service.ts).
 */
export function createRevokeAppAccess(deps: AdminPageDeps): Middleware {
  return personAction(deps, async (ctx, person) => {
    const clientId = paramOf(ctx, 'clientId');
    const back = backPathOf((ctx.request.body as Record<string, unknown> | undefined)?.back, personHref(person.id));
    const app = await deps.clients.findClient(clientId);
    const go = await confirmed(ctx, deps, {
      heading: `Remove ${person.username}’s access to ${app?.name ?? clientId}?`,
      description: 'The app loses every grant and token it holds for this person, at once; it has to ask them again. This cannot be undone.',
      button: 'Remove access', cancelHref: back,
    });
    if (!go) return;
    const revoked = await deps.connected.revoke(person.id, clientId);
    if (revoked) await recordOperatorAction(ctx, deps, { event: 'grant.revoked', clientId, details: { user_id: person.id } });
    redirectDone(ctx, back.split('?')[0]!, revoked ? 'app-revoked' : 'app-gone');
  }, { onSelf: true });
}
