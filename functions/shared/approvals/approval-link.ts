import * as z from 'zod';
import { ApprovalIdSchema } from './approval-id.js';
import type { LinkSigner } from './link-signer.js';

/**
 * The signed part of an approval link: `<base64url(claims JSON)>.<base64url(mac)>`.
 *
 * The claims name the approval, the approver (by position in ApprovalRequested's approvers,
 * so no address ends up in access logs or browser history) and an expiry. The MAC covers a
 * canonical, domain-separated message built from the claims, not the JSON text, so a MAC made
 * for anything else the key signs can never pass as a link. Parsing is strict: only the one
 * canonical encoding of a set of claims is accepted, so no two link texts share a MAC.
 */

/** Claims as the code uses them. */
export interface LinkClaims {
  approvalId: string;
  /** Position of the approver in ApprovalRequested's `approvers` (sealed; the clear part holds only `approverCount`). */
  approverIndex: number;
  /** Epoch seconds after which the link is refused. */
  expiresAt: number;
  /**
   * The policy level the link was issued for. Accepted and passed through only, not yet signed
   * nor encoded: the `l` claim lands with the issue 13 wiring, which reconciles this.
   */
  level?: number;
}

export const LINK_VERSION = 1;
/** HMAC_SHA_256 MACs are 32 bytes. */
export const MAC_BYTES = 32;
/** Approvers a link can name: far more than any gate needs, and it bounds the claim. */
export const MAX_APPROVER_INDEX = 99;
/** Claims of the longest approval id (124 characters, ApprovalIdSchema) plus the MAC stay well under this (about 270); longer input is refused unread. */
export const MAX_LINK_LENGTH = 512;
/** 9999-12-31T23:59:59Z: a bound on expiries so that dates stay representable. */
const MAX_EXPIRY_SECONDS = 253_402_300_799;
const DOMAIN = 'wardflow/approval-link/v1';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const ClaimsSchema = z.strictObject({
  v: z.literal(LINK_VERSION),
  a: ApprovalIdSchema,
  i: z.number().int().min(0).max(MAX_APPROVER_INDEX),
  e: z.number().int().min(0).max(MAX_EXPIRY_SECONDS),
});

/** Why a link could not even be read. Said to nobody but the logs; the page only says "malformed". */
export type MalformedReason = 'not-a-string' | 'too-long' | 'shape' | 'encoding' | 'claims' | 'mac-length';

export type ParsedLink = { ok: true; claims: LinkClaims; mac: Uint8Array } | { ok: false; reason: MalformedReason };

/**
 * The exact bytes the MAC covers: a domain label, then one field per line. Approval ids carry
 * no newline (ApprovalIdSchema), so the fields cannot run into each other.
 *
 * @example
 * new TextDecoder().decode(linkMessage({ approvalId: 'exec-42-1', approverIndex: 0, expiresAt: 1796202000 }));
 * // 'wardflow/approval-link/v1\nexec-42-1\n0\n1796202000'
 */
export function linkMessage(claims: LinkClaims): Uint8Array {
  return new TextEncoder().encode(`${DOMAIN}\n${claims.approvalId}\n${claims.approverIndex}\n${claims.expiresAt}`);
}

/**
 * The link text for claims and their MAC. Throws RangeError on claims no link may carry
 * (a caller's bug, never input from outside).
 *
 * @example
 * const link = encodeLink({ approvalId: 'exec-42-1', approverIndex: 0, expiresAt: 1796202000 }, mac);
 * // 'eyJ2IjoxLCJhIjoiZXhlYy00Mi0xIiwiaSI6MCwiZSI6MTc5NjIwMjAwMH0.<43 characters>'
 */
export function encodeLink(claims: LinkClaims, mac: Uint8Array): string {
  const json = canonicalJson(claims);
  if (!ClaimsSchema.safeParse(JSON.parse(json)).success) throw new RangeError('approval link claims out of range');
  if (mac.byteLength !== MAC_BYTES) throw new RangeError(`an approval link MAC is ${MAC_BYTES} bytes`);
  return `${Buffer.from(json, 'utf8').toString('base64url')}.${Buffer.from(mac).toString('base64url')}`;
}

/**
 * Reads a link without trusting it: never throws, whatever the input. A result with `ok`
 * says only that the link is well formed; the MAC is checked by {@link verifyApprovalLink}.
 *
 * @example
 * parseLink('garbage'); // { ok: false, reason: 'shape' }
 * parseLink(link);      // { ok: true, claims: { approvalId: 'exec-42-1', approverIndex: 0, expiresAt: 1796202000 }, mac }
 */
export function parseLink(link: unknown): ParsedLink {
  if (typeof link !== 'string') return { ok: false, reason: 'not-a-string' };
  if (link.length > MAX_LINK_LENGTH) return { ok: false, reason: 'too-long' };
  const parts = link.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'shape' };
  const [payload, macText] = parts as [string, string];
  const json = strictBase64url(payload);
  const mac = strictBase64url(macText);
  if (json === undefined || mac === undefined) return { ok: false, reason: 'encoding' };
  const claims = claimsOf(json);
  if (claims === undefined) return { ok: false, reason: 'claims' };
  if (mac.byteLength !== MAC_BYTES) return { ok: false, reason: 'mac-length' };
  return { ok: true, claims, mac };
}

/**
 * Signs claims into a link with `signer` (KMS GenerateMac in production).
 *
 * @example
 * const link = await signApprovalLink({ approvalId: 'exec-42-1', approverIndex: 0, expiresAt: 1796202000 }, signer);
 * const url = approvalLinkUrl('https://approvals.example.com', link);
 */
export async function signApprovalLink(claims: LinkClaims, signer: LinkSigner): Promise<string> {
  return encodeLink(claims, await signer.sign(linkMessage(claims)));
}

/** What a link is worth. `forged` covers any change to claims or MAC; expiry is only judged on a genuine link. */
export type LinkCheck =
  | { ok: true; claims: LinkClaims }
  | { ok: false; problem: 'malformed'; reason: MalformedReason }
  | { ok: false; problem: 'forged' }
  | { ok: false; problem: 'expired'; claims: LinkClaims };

/**
 * Parses a link, checks its MAC with `signer`, then its expiry against `now`. A failure of
 * the signer itself (KMS unreachable) is thrown, never reported as a forged link.
 *
 * @example
 * const check = await verifyApprovalLink(event.pathParameters?.link, signer, new Date());
 * if (!check.ok) return pageFor(check.problem);
 */
export async function verifyApprovalLink(link: unknown, signer: LinkSigner, now: Date): Promise<LinkCheck> {
  const parsed = parseLink(link);
  if (!parsed.ok) return { ok: false, problem: 'malformed', reason: parsed.reason };
  if (!(await signer.verify(linkMessage(parsed.claims), parsed.mac))) return { ok: false, problem: 'forged' };
  if (now.getTime() >= parsed.claims.expiresAt * 1000) return { ok: false, problem: 'expired', claims: parsed.claims };
  return { ok: true, claims: parsed.claims };
}

/**
 * The address an approver opens: `<site>/approvals/<link>`. The site URL may end in a slash.
 *
 * @example
 * approvalLinkUrl('http://127.0.0.1:7700/', link); // 'http://127.0.0.1:7700/approvals/eyJ2...'
 */
export function approvalLinkUrl(siteUrl: string, link: string): string {
  return `${siteUrl.replace(/\/+$/, '')}/approvals/${link}`;
}

/**
 * The link's expiry for an approval that expires at `expiresAt` (ISO-8601): whole seconds,
 * rounded down, so a link never outlives its approval.
 *
 * @example
 * linkExpiry('2026-12-02T08:59:00.500Z'); // 1796201940
 */
export function linkExpiry(expiresAt: string): number {
  const ms = Date.parse(expiresAt);
  if (!Number.isFinite(ms)) throw new RangeError('approval expiry is not a date');
  return Math.floor(ms / 1000);
}

function canonicalJson(claims: LinkClaims): string {
  // Key order is fixed by this literal; JSON.stringify keeps insertion order.
  return JSON.stringify({ v: LINK_VERSION, a: claims.approvalId, i: claims.approverIndex, e: claims.expiresAt });
}

/** Decodes base64url only when `text` is the canonical encoding of its bytes (no padding, no stray bits). */
function strictBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function claimsOf(bytes: Buffer): LinkClaims | undefined {
  const json = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const parsed = ClaimsSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const claims = { approvalId: parsed.data.a, approverIndex: parsed.data.i, expiresAt: parsed.data.e };
  // Only the canonical text: whitespace, key order or escapes that spell the same claims are refused.
  return canonicalJson(claims) === json && Buffer.from(json, 'utf8').equals(bytes) ? claims : undefined;
}
