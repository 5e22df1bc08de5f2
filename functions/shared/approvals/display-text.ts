/**
 * Text as an approver reads it, in an email or on the approval page: times in UTC to the
 * minute, and recorded text (titles and field values that may come from a model reading an
 * untrusted document) kept on one line. HTML escaping is escape-html.ts.
 */

/**
 * An ISO-8601 time as approvers read it, in UTC to the minute; the input unchanged when it is no date.
 *
 * @example
 * formatUtc('2026-12-02T08:59:00.000Z'); // '2026-12-02 08:59 UTC'
 */
export function formatUtc(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Control characters (CR, LF, tabs, NUL, ESC, DEL, C1) and line/paragraph separators become one
 * space, and the ends are trimmed, so a value can neither break a header nor start lines of its
 * own that look like ours.
 *
 * @example
 * flatText('Northwind\r\nBcc: victim@example.com'); // 'Northwind Bcc: victim@example.com'
 */
export function flatText(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
}
