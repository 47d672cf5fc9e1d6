import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { countAuditEventsSince, findAuditEvents, type AuditEventRow, type AuditFilter } from './audit-repository.js';

export type { AuditEventRow, AuditFilter };

/** Reading the audit trail (writing is audit-log.ts). */
export interface AuditTrail {
  /** One page, newest first; `next` is the cursor (an id) of the page after. */
  search(filter: AuditFilter, page: { before?: number; limit?: number }): Promise<{ events: AuditEventRow[]; next?: number }>;
  /** Up to `max` events of a filtered view, newest first, read a page at a time; `truncated` when more matched. */
  exportEvents(filter: AuditFilter, max: number): Promise<{ events: AuditEventRow[]; truncated: boolean }>;
  countSince(events: readonly string[], since: Date): Promise<Record<string, number>>;
}

const EXPORT_PAGE = 1000;

export function createAuditTrail({ db }: { db: Kysely<Database> }): AuditTrail {
  async function search(filter: AuditFilter, { before, limit = 50 }: { before?: number; limit?: number }) {
    // One row more than asked tells whether another page follows.
    const rows = await findAuditEvents(db, filter, { before, limit: limit + 1 });
    const events = rows.slice(0, limit);
    return rows.length > limit ? { events, next: events[events.length - 1]!.id } : { events };
  }
  return {
    search,
    async exportEvents(filter, max) {
      const events: AuditEventRow[] = [];
      let before: number | undefined;
      // Bounded: at most max / EXPORT_PAGE + 1 pages.
      for (let pages = 0; pages <= max / EXPORT_PAGE; pages += 1) {
        const page = await search(filter, { before, limit: Math.min(EXPORT_PAGE, max - events.length) });
        events.push(...page.events);
        if (page.next === undefined) return { events, truncated: false };
        if (events.length >= max) return { events, truncated: true };
        before = page.next;
      }
      return { events, truncated: true };
    },
    countSince: (events, since) => countAuditEventsSince(db, events, since),
  };
}
