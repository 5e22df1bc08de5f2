/**
 * Escapes text for HTML element content and quoted attribute values: the five characters
 * that can end a text run or an attribute (`& < > " '`). Everything an approver reads on the
 * approval page or in an approval email passes through here, because titles and field values
 * may come from a model reading untrusted documents.
 *
 * @example
 * escapeHtml('<script>alert("x")</script>'); // '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
