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
  return JSON.stringify(document, null, 2).replace(/[\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
