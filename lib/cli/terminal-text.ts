/**
 * Recorded text (a title, a field's value: possibly written by a model reading an untrusted
 * document) made safe to print. A terminal obeys control characters: ESC and CSI sequences can
 * move the cursor, rewrite earlier lines, retitle the window or hide text, and bidirectional
 * overrides can reorder what a line appears to say. None of them reaches the terminal from here.
 */

/** C0, DEL and C1 controls, line and paragraph separators. */
const CONTROLS = /[\p{Cc}\u2028\u2029]+/gu;
/** Bidirectional embeddings, overrides, isolates and marks (the "Trojan Source" characters). */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * One line of recorded text for a table cell: every run of control characters one space,
 * bidirectional controls removed, the ends trimmed, and at most `max` characters (`...` marks a cut).
 *
 * @example
 * terminalText('Northwind\u001b[2J\nTraders'); // 'Northwind [2J Traders'
 * terminalText('a'.repeat(100), 10); // 'aaaaaaa...'
 */
export function terminalText(text: string, max = Number.POSITIVE_INFINITY): string {
  const chars = Array.from(text.replace(BIDI, '').replace(CONTROLS, ' ').trim());
  return chars.length > max ? `${chars.slice(0, Math.max(0, max - 3)).join('')}...` : chars.join('');
}

/**
 * A JSON document whose text holds no control or bidirectional character raw: JSON.stringify
 * escapes only U+0000 to U+001F, so DEL, the C1 controls, U+2028/U+2029 and the bidirectional
 * controls are written as `\uXXXX` escapes too. They can only stand inside strings, and parse
 * back to the same values: `--json` keeps the data exact without a terminal obeying any of it.
 *
 * @example
 * terminalSafeJson({ title: 'a\u009b2Jb' }); // '{\n  "title": "a\\u009b2Jb"\n}'
 */
export function terminalSafeJson(document: unknown): string {
  return terminalSafeJsonText(JSON.stringify(document, null, 2));
}

/** Controls but line feed and tab (which a multi-line text such as a Markdown report keeps), and the line and paragraph separators. */
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]+/g;
/** What JSON.stringify leaves raw inside strings that a terminal obeys or that reorders a line. */
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text of several lines (a Markdown report, a message) made safe to print: line feeds and tabs
 * stay, every other run of control characters (ESC and so every ANSI sequence's introducer, CR,
 * C1's CSI) becomes one space, and bidirectional controls are dropped. What followed an ESC stays
 * visible (`[2J`), so a reader sees that something was planted. This is the CLI's last guard:
 * runCli passes every line it writes through it, whatever the command.
 *
 * @example
 * terminalLines('# Report\nvendor=Acme\u001b]0;pwned\u0007\r\n'); // '# Report\nvendor=Acme ]0;pwned \n'
 */
export function terminalLines(text: string): string {
  return text.replace(BIDI, '').replace(CONTROLS_BUT_LINES, ' ');
}

/**
 * A JSON text (as a function elsewhere rendered it) with every raw character {@link terminalSafeJson}
 * escapes written as `\uXXXX`. Those characters can only stand inside strings in JSON text, so the
 * document parses back to the same values.
 *
 * @example
 * terminalSafeJsonText('{"v":"a\u009bb"}'); // '{"v":"a\\u009bb"}'
 */
export function terminalSafeJsonText(json: string): string {
  return json.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
