import type { Json } from '../../functions/shared/events/event.js';

/**
 * Addresses are personal data, and CLI output and audit reports end up in shared terminals,
 * CI logs and mailboxes. The steps record approvers' addresses only sealed, but some clear
 * fields come from outside (the values of event types the CLI does not know, events written by
 * other code): every address printed from them keeps only the first character of its local
 * part and the domain.
 */
const EMAIL = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+/g;
const HIDDEN = '•••';

/**
 * Masks one address.
 *
 * @example
 * maskEmail('alice@example.com'); // 'a•••@example.com'
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return HIDDEN;
  return `${Array.from(address.slice(0, at))[0]}${HIDDEN}${address.slice(at)}`;
}

/**
 * Masks every address inside a text (an actor like `user:alice@example.com`, a list).
 *
 * @example
 * maskEmails('user:alice@example.com'); // 'user:a•••@example.com'
 */
export function maskEmails(text: string): string {
  return text.replace(EMAIL, (address) => maskEmail(address));
}

/**
 * The same JSON value with every address in every string masked (keys included).
 *
 * @example
 * maskJson({ source: 'forwarded by alice@example.com' }); // { source: 'forwarded by a•••@example.com' }
 */
export function maskJson<T extends Json>(value: T): T;
export function maskJson(value: Json): Json {
  if (typeof value === 'string') return maskEmails(value);
  if (Array.isArray(value)) return value.map((item) => maskJson(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [maskEmails(key), maskJson(item)]));
  }
  return value;
}
