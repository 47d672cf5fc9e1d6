import type { AuditEventRow } from '../../src/audit/audit-trail.js';

const COLUMNS = ['id', 'created_at', 'event', 'actor', 'user_id', 'client_id', 'ip', 'user_agent', 'details'] as const;

/**
 * One CSV cell (RFC 4180 §2): quoted when it holds a quote, comma or line
 * break. A cell a spreadsheet would read as a formula (starting with = + - @,
 * tab or carriage return) gets a leading apostrophe first: audit rows carry
 * text others chose (user agents, usernames), which must not run as formulas
 * (OWASP "CSV Injection").
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The events as CSV with a header line, CRLF line ends (RFC 4180 §2). */
export function toCsv(events: readonly AuditEventRow[]): string {
  const lines = events.map((event) => {
    const userId = event.details.user_id;
    return [
      String(event.id), event.createdAt.toISOString(), event.event, event.actor ?? '', typeof userId === 'string' ? userId : '',
      event.clientId ?? '', event.ip ?? '', event.userAgent ?? '', JSON.stringify(event.details),
    ].map(csvCell).join(',');
  });
  return `${[COLUMNS.join(','), ...lines].join('\r\n')}\r\n`;
}
