import { AwsProtocolError } from './protocol-error.js';

/**
 * Reading and writing the members of an AWS JSON 1.0 / 1.1 request and response.
 *
 * AWS answers a member of the wrong JSON type with SerializationException (the body does not
 * fit the operation's shape) and a missing or out-of-range member with ValidationException;
 * these readers do the same. Messages name the member and what was expected, never its value:
 * a request member may be a plaintext, a task token or a secret.
 */

/** A request body: always a JSON object on these protocols. */
export type WireObject = { readonly [member: string]: unknown };

/** One API operation: the parsed request body in, the response body out. */
export type Operation = (request: WireObject) => Promise<object> | object;

/** Operation name (`Decrypt`) → its implementation. A Map, so `constructor` or `__proto__` never match. */
export type OperationTable = ReadonlyMap<string, Operation>;

/** The AWS account id local ARNs carry; no AWS account is involved in local mode. */
export const LOCAL_ACCOUNT_ID = '000000000000';

// Standard base64 with padding, as the AWS SDKs send blobs.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const serialization = (member: string, expected: string) =>
  new AwsProtocolError('SerializationException', `${member} must be ${expected}.`);
const validation = (member: string, expected: string) => new AwsProtocolError('ValidationException', `${member} ${expected}.`);

/**
 * A string member that must be present and non-empty.
 *
 * @example
 * const keyId = requiredString(request, 'KeyId'); // throws ValidationException when missing
 */
export function requiredString(request: WireObject, member: string): string {
  const value = optionalString(request, member);
  if (value === undefined || value === '') throw validation(member, 'is required');
  return value;
}

/**
 * A string member that may be absent (absent and JSON null both give undefined).
 *
 * @example
 * const name = optionalString(request, 'name');
 */
export function optionalString(request: WireObject, member: string): string | undefined {
  const value = request[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serialization(member, 'a string');
  return value;
}

/**
 * A blob member (base64 on the wire), decoded, with AWS's length bounds in bytes.
 *
 * @example
 * const plaintext = requiredBlob(request, 'Plaintext', { minBytes: 1, maxBytes: 4096 });
 */
export function requiredBlob(request: WireObject, member: string, bounds: { minBytes: number; maxBytes: number }): Buffer {
  const value = request[member];
  if (value === undefined || value === null) throw validation(member, 'is required');
  if (typeof value !== 'string' || !BASE64.test(value)) throw serialization(member, 'a base64 string');
  const bytes = Buffer.from(value, 'base64');
  if (bytes.byteLength < bounds.minBytes || bytes.byteLength > bounds.maxBytes) {
    throw validation(member, `must be between ${bounds.minBytes} and ${bounds.maxBytes} bytes long`);
  }
  return bytes;
}

/**
 * A map of strings (KMS's EncryptionContext); absent gives an empty map.
 *
 * @example
 * const context = stringMap(request, 'EncryptionContext'); // {} when absent
 */
export function stringMap(request: WireObject, member: string): Record<string, string> {
  const value = request[member];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw serialization(member, 'an object of strings');
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw serialization(member, 'an object of strings');
    map[key] = entry;
  }
  return map;
}

/**
 * An integer member that may be absent, within [min, max].
 *
 * @example
 * const maxResults = optionalInteger(request, 'maxResults', { min: 0, max: 1000 });
 */
export function optionalInteger(request: WireObject, member: string, bounds: { min: number; max: number }): number | undefined {
  const value = request[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(member, 'an integer');
  if (value < bounds.min || value > bounds.max) throw validation(member, `must be between ${bounds.min} and ${bounds.max}`);
  return value;
}

/**
 * A string member that may be absent and must be one of `allowed` when present.
 *
 * @example
 * const spec = optionalEnum(request, 'KeySpec', ['AES_256', 'AES_128'] as const);
 */
export function optionalEnum<T extends string>(request: WireObject, member: string, allowed: readonly T[]): T | undefined {
  const value = optionalString(request, member);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw validation(member, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

/**
 * A timestamp as AWS JSON protocols carry it by default: epoch seconds, fractional for milliseconds.
 *
 * @example
 * epochSeconds(new Date('2024-01-01T00:00:00.250Z')); // 1704067200.25
 */
export function epochSeconds(date: Date): number;
export function epochSeconds(date: Date | undefined): number | undefined;
export function epochSeconds(date: Date | undefined): number | undefined {
  return date === undefined ? undefined : date.getTime() / 1000;
}

/**
 * A blob for a response body.
 *
 * @example
 * base64(Buffer.from('hi')); // 'aGk='
 */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
