/**
 * UTF-8 bytes of `text` as a JSON string, without the enclosing quotes: what a document costs in
 * a Step Functions state (JSON text, 256 KB per state), where escaping makes `"`, `\` and newlines
 * 2 bytes and other control characters 6.
 *
 * @example
 * jsonTextBytes('a"b'); // 4
 */
export function jsonTextBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}
