import { ValidationFailed } from '../errors.js';
import type { StoredEvent } from './event.js';

/** DynamoDB's item size limit: attribute names plus values, in UTF-8 bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;
// A DynamoDB number takes at most 21 bytes; counting the maximum keeps the estimate conservative.
const NUMBER_BYTES = 21;

/**
 * The size of an event as the events table stores it (see dynamodb-item.ts for the layout:
 * `data` is JSON text, `sealed` and `prevHash` are absent when null). Both stores use it, so
 * an event the in-memory store accepts is one DynamoDB accepts too.
 *
 * @example
 * itemSizeBytes(event) <= MAX_ITEM_BYTES
 */
export function itemSizeBytes(event: StoredEvent, dataText = JSON.stringify(event.data)): number {
  return sizeOfParts(event, dataText).reduce((sum, part) => sum + part.bytes, 0);
}

/**
 * Throws `ValidationFailed` before anything is written when the event would exceed
 * DynamoDB's 400 KB item limit, naming the event and its largest field (`data`, `sensitive`
 * for the sealed part, or `actor`) so the caller knows what to shrink.
 *
 * @example
 * assertItemFits(event, 'events[0]');
 */
export function assertItemFits(event: StoredEvent, at: string, dataText = JSON.stringify(event.data)): void {
  const parts = sizeOfParts(event, dataText);
  const total = parts.reduce((sum, part) => sum + part.bytes, 0);
  if (total <= MAX_ITEM_BYTES) return;
  const largest = parts.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  throw new ValidationFailed('event append', [
    {
      path: `${at}.${largest.field}`,
      expected: `an event of at most ${MAX_ITEM_BYTES} bytes as stored (it is ${total}); move large content out of the event`,
    },
  ]);
}

function sizeOfParts(event: StoredEvent, dataText: string): { field: string; bytes: number }[] {
  const s = (name: string, value: string): number => Buffer.byteLength(name) + Buffer.byteLength(value, 'utf8');
  const parts = [
    { field: 'stream', bytes: s('stream', event.stream) },
    { field: 'version', bytes: 'version'.length + NUMBER_BYTES },
    { field: 'type', bytes: s('type', event.type) },
    { field: 'time', bytes: s('time', event.time) },
    { field: 'actor', bytes: s('actor', event.actor) },
    { field: 'data', bytes: s('data', dataText) },
    { field: 'hash', bytes: s('hash', event.hash) },
  ];
  if (event.sealed !== null) parts.push({ field: 'sensitive', bytes: s('sealed', event.sealed) });
  if (event.prevHash !== null) parts.push({ field: 'prevHash', bytes: s('prevHash', event.prevHash) });
  return parts;
}
