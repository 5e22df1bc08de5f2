import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TamperDetected } from '../errors.js';
import { DOMAIN_EVENT_TYPE } from './domain-types.js';
import { EVENT_TYPES, type EventType, type Json, type StoredEvent } from './event.js';

export type EventItem = Record<string, AttributeValue>;

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/**
 * The attribute layout of the events table, one item per event:
 * stream (S, partition key), version (N, sort key), type, time, actor (S),
 * data (S: JSON text, so every string round-trips byte for byte and no DynamoDB type
 * mapping can change a value), sealed (S, absent when null), prevHash (S, absent when
 * null), hash (S).
 *
 * @example
 * const item = toItem(event); // Put it with a condition on the key
 */
export function toItem(event: StoredEvent, dataText = JSON.stringify(event.data)): EventItem {
  const item: EventItem = {
    stream: { S: event.stream },
    version: { N: String(event.version) },
    type: { S: event.type },
    time: { S: event.time },
    actor: { S: event.actor },
    data: { S: dataText },
    hash: { S: event.hash },
  };
  if (event.sealed !== null) item.sealed = { S: event.sealed };
  if (event.prevHash !== null) item.prevHash = { S: event.prevHash };
  return item;
}

/**
 * Reads an item back into a `StoredEvent`. An item that does not have the layout above
 * was not written by this store: `TamperDetected` names the attribute, never its value.
 *
 * @example
 * const events = (page.Items ?? []).map(fromItem);
 */
export function fromItem(item: EventItem): StoredEvent {
  const stream = item.stream?.S ?? '(unknown stream)';
  const version = Number(item.version?.N);
  const bad = (attribute: string): never => {
    throw new TamperDetected(stream, Number.isSafeInteger(version) ? version : 0, `item attribute ${attribute} is missing or malformed`);
  };
  if (item.stream?.S === undefined) bad('stream');
  if (!Number.isSafeInteger(version) || version < 1) bad('version');
  const type = item.type?.S;
  // A workflow's own types (defineEvents) are read like the platform's: PascalCase names.
  if (type === undefined || !(KNOWN_TYPES.has(type) || DOMAIN_EVENT_TYPE.test(type))) bad('type');
  const time = item.time?.S ?? bad('time');
  const actor = item.actor?.S ?? bad('actor');
  const hash = item.hash?.S ?? bad('hash');
  const dataText = item.data?.S ?? bad('data');
  let data: unknown;
  try {
    data = JSON.parse(dataText);
  } catch {
    bad('data');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) bad('data');
  if (item.sealed !== undefined && item.sealed.S === undefined) bad('sealed');
  if (item.prevHash !== undefined && item.prevHash.S === undefined) bad('prevHash');
  return {
    stream,
    version,
    type: type as EventType,
    time,
    actor,
    data: data as { [key: string]: Json },
    sealed: item.sealed?.S ?? null,
    prevHash: item.prevHash?.S ?? null,
    hash,
  };
}
