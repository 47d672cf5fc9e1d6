import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { AUDIT_EVENTS } from '../../src/audit/audit-log.js';
import type { AuditEventRow, AuditFilter } from '../../src/audit/audit-trail.js';
import { formatDateTime, PAGE_SIZE, renderAdminPage, type AdminPageDeps } from './admin-deps.js';
import { appHref } from './apps.js';
import { toCsv } from './audit-export.js';
import { personHref } from './people.js';

const text = (max: number) => z.string().trim().max(max).transform((value) => value || undefined).optional().catch(undefined);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined);

const filterQuery = z.object({
  event: z.enum(AUDIT_EVENTS).optional().catch(undefined),
  person: text(256),
  app: text(256),
  ip: text(64),
  from: day,
  to: day,
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

type FilterForm = z.infer<typeof filterQuery>;

function startOfDay(value: string | undefined, plusDays = 0): Date | undefined {
  const date = value ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime())) return undefined;
  return new Date(date.getTime() + plusDays * 24 * 60 * 60 * 1000);
}

/** The filter as the trail takes it: a username is looked up (an id is used as it is); `to` includes its whole day (UTC). */
async function filterOf(deps: AdminPageDeps, form: FilterForm): Promise<AuditFilter> {
  const person = form.person ? (await deps.accounts.findUserByUsername(form.person))?.id ?? form.person : undefined;
  return { event: form.event, person, clientId: form.app, ip: form.ip, from: startOfDay(form.from), to: startOfDay(form.to, 1) };
}

/** The filter fields as a query string, for the next page and the export links. */
function queryOf(form: FilterForm, extra: Record<string, string> = {}): string {
  const fields = Object.entries({ event: form.event, person: form.person, app: form.app, ip: form.ip, from: form.from, to: form.to })
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return new URLSearchParams([...fields, ...Object.entries(extra)]).toString();
}

function eventRow(event: AuditEventRow, names: Map<string, string>) {
  const { user_id: userId, source, ...rest } = event.details as { user_id?: unknown; source?: unknown };
  const about = typeof userId === 'string' ? userId : undefined;
  return {
    id: event.id, when: formatDateTime(event.createdAt), event: event.event,
    actor: event.actor ? { text: names.get(event.actor) ?? event.actor, href: personHref(event.actor) } : undefined,
    about: about ? { text: names.get(about) ?? about, href: personHref(about) } : undefined,
    app: event.clientId ? { text: event.clientId, href: appHref(event.clientId) } : undefined,
    ip: event.ip ?? '', source: typeof source === 'string' ? source : '',
    details: Object.keys(rest).length ? JSON.stringify(rest) : '',
  };
}

/** GET /admin/audit: the append-only trail, newest first, filtered by type, person, app, address and day, a keyset page at a time. */
export function createShowAudit(deps: AdminPageDeps): Middleware {
  return async (ctx) => {
    const form = filterQuery.parse(ctx.query);
    const page = await deps.trail.search(await filterOf(deps, form), { before: form.before, limit: PAGE_SIZE });
    const ids = page.events.flatMap((event) => [event.actor, event.details.user_id]).filter((id): id is string => typeof id === 'string');
    const names = await deps.accounts.usernamesOf(ids);
    await renderAdminPage(ctx, deps, 'admin-audit', 'audit', {
      title: 'Audit trail',
      form, eventNames: AUDIT_EVENTS,
      events: page.events.map((event) => eventRow(event, names)),
      nextHref: page.next ? `/admin/audit?${queryOf(form, { before: String(page.next) })}` : undefined,
      firstHref: form.before ? `/admin/audit?${queryOf(form)}` : undefined,
      csvHref: `/admin/audit/export?${queryOf(form, { format: 'csv' })}`,
      jsonHref: `/admin/audit/export?${queryOf(form, { format: 'json' })}`,
    });
  };
}

/** At most this many events per export; the answer says when more matched (X-Export-Truncated). */
export const EXPORT_MAX = 10_000;

/** GET /admin/audit/export?format=csv|json&…filters: the filtered view (not only its page), newest first, as a download. */
export function createExportAudit(deps: AdminPageDeps): Middleware {
  return async (ctx: Context) => {
    const form = filterQuery.parse(ctx.query);
    const format = ctx.query.format === 'json' ? 'json' : 'csv';
    const { events, truncated } = await deps.trail.exportEvents(await filterOf(deps, { ...form, before: undefined }), EXPORT_MAX);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    ctx.set('Content-Disposition', `attachment; filename="audit-${stamp}.${format}"`);
    ctx.set('X-Export-Truncated', String(truncated));
    if (format === 'json') {
      ctx.type = 'application/json; charset=utf-8';
      ctx.body = JSON.stringify(events.map((event) => ({ ...event, createdAt: event.createdAt.toISOString() })));
      return;
    }
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = toCsv(events);
  };
}
