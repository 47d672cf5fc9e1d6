// C0 controls and DEL, except tab, line feed and carriage return (the
// whitespace a textarea or a JSON value may hold). Postgres refuses NUL in
// text and in jsonb ("invalid byte sequence", "unsupported Unicode escape
// sequence"), and no name, id, code or OAuth parameter of ours has a use for
// the others (RFC 6749 Appendix A limits parameters to VSCHAR/NQCHAR).
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// A UTF-16 surrogate without its pair: JSON.stringify writes it as an escape
// that Postgres jsonb refuses.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when Postgres can store the value and it holds no control character but whitespace (issue 16 item 7). */
export function isStorableText(value: string): boolean {
  return !FORBIDDEN_CONTROL.test(value) && !LONE_SURROGATE.test(value);
}

/** Every string inside a parsed form or JSON value (depth-bounded), with its path. */
export function findUnstorableText(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path || 'value';
  if (depth > 8 || value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path ? `${path}.${key}` : key;
    if (!isStorableText(key)) return itemPath;
    const found = findUnstorableText(item, itemPath, depth + 1);
    if (found) return found;
  }
  return undefined;
}
