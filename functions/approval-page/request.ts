import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Reading an API Gateway HTTP API (payload 2.0) event for the approval page, defensively: the
 * event may come from API Gateway or from the local runtime's HTTP server, and nothing in it
 * is trusted. Nothing here throws.
 */

/** Largest form body read: a 2000-character comment, percent-encoded, with room to spare. */
export const MAX_BODY_BYTES = 32 * 1024;
export const MAX_COMMENT_LENGTH = 2000;

/**
 * The HTTP method, upper-case: from requestContext.http.method, else from the route key
 * (`GET /approvals/{link}`); '' when neither says.
 *
 * @example
 * methodOf(event); // 'POST'
 */
export function methodOf(event: APIGatewayProxyEventV2): string {
  const method = event?.requestContext?.http?.method ?? (typeof event?.routeKey === 'string' ? event.routeKey.split(' ')[0] : undefined);
  return typeof method === 'string' ? method.toUpperCase() : '';
}

/**
 * The link part of the address: `pathParameters.link`, else the last segment of a
 * `/approvals/<link>` rawPath (a `$default` route has no path parameters).
 *
 * @example
 * linkOf(event); // 'eyJ2IjoxLCJh...'
 */
export function linkOf(event: APIGatewayProxyEventV2): string | undefined {
  const fromRoute = event?.pathParameters?.link;
  if (typeof fromRoute === 'string') return fromRoute;
  const match = typeof event?.rawPath === 'string' ? /\/approvals\/([^/]+)\/?$/.exec(event.rawPath) : null;
  return match?.[1];
}

/**
 * A header's value by case-insensitive name (API Gateway lower-cases them; be sure anyway).
 *
 * @example
 * headerOf(event, 'Content-Type'); // 'application/x-www-form-urlencoded'
 */
export function headerOf(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event?.headers ?? {};
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && typeof value === 'string') return value;
  }
  return undefined;
}

/** The decision a POST carries. */
export interface DecisionForm {
  decision: 'approve' | 'reject';
  /** Absent when empty. */
  comment?: string;
}

export type FormReading = { ok: true; form: DecisionForm } | { ok: false; problem: 'bad-form' | 'too-large' | 'unsupported-media-type' };

/**
 * The decision form of a POST: `application/x-www-form-urlencoded`, body plain or base64,
 * with exactly one `decision` (approve or reject) and at most one `comment` of at most
 * 2000 characters. Other fields are ignored.
 *
 * @example
 * readDecisionForm({ ...event, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve', isBase64Encoded: false });
 * // { ok: true, form: { decision: 'approve' } }
 */
export function readDecisionForm(event: APIGatewayProxyEventV2): FormReading {
  const type = (headerOf(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return { ok: false, problem: 'unsupported-media-type' };
  const raw = typeof event.body === 'string' ? event.body : '';
  // base64 is 4/3 of the bytes: refuse oversized bodies before decoding them.
  if (raw.length > (event.isBase64Encoded ? Math.ceil(MAX_BODY_BYTES / 3) * 4 : MAX_BODY_BYTES)) return { ok: false, problem: 'too-large' };
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) return { ok: false, problem: 'too-large' };
  const fields = new URLSearchParams(text);
  const decisions = fields.getAll('decision');
  const comments = fields.getAll('comment');
  const decision = decisions[0];
  if (decisions.length !== 1 || (decision !== 'approve' && decision !== 'reject') || comments.length > 1) return { ok: false, problem: 'bad-form' };
  const comment = comments[0];
  if (comment !== undefined && comment.length > MAX_COMMENT_LENGTH) return { ok: false, problem: 'bad-form' };
  return { ok: true, form: { decision, ...(comment !== undefined && comment.trim() !== '' ? { comment } : {}) } };
}
