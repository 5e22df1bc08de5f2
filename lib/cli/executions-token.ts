import * as z from 'zod';
import { UsageError } from './errors.js';
import { EXECUTION_STATUSES, type ExecutionStatusFilter } from './options.js';

/**
 * Where one workflow's listing goes on: the ListExecutions token of the page that holds the
 * next execution to show (none: the first page), that execution's place in the page, and its
 * ARN, which finds it again if executions started since pushed it further down the page.
 * A workflow whose list is exhausted has no position.
 */
export interface WorkflowPosition {
  pageToken?: string;
  skip: number;
  nextArn?: string;
}

/** Where a listing of every workflow stopped: what `executions --next-token` carries. */
export interface ListingPosition {
  status?: ExecutionStatusFilter;
  workflows: Record<string, WorkflowPosition>;
}

const PREFIX = 'wf1.';

const TokenSchema = z.object({
  status: z.enum(EXECUTION_STATUSES).optional(),
  workflows: z.record(
    z.string().max(256),
    z.object({ pageToken: z.string().min(1).max(4096).optional(), skip: z.number().int().min(0).max(1000), nextArn: z.string().max(2048).optional() }),
  ),
});

/**
 * The --next-token text for a position: versioned, base64url JSON, opaque to the user.
 *
 * @example
 * encodeListingPosition({ workflows: { 'invoice-approval': { pageToken: 'AAA', skip: 0 } } }); // 'wf1.eyJ3b3Jr...'
 */
export function encodeListingPosition(position: ListingPosition): string {
  return PREFIX + Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * The position a --next-token names, checked against the listing asked for: the same --status,
 * and only workflows this connection has. Anything else is a UsageError that says what to do,
 * without quoting the token.
 *
 * @example
 * decodeListingPosition(line.nextToken, { status: line.status, workflows: Object.keys(connection.workflows) });
 */
export function decodeListingPosition(token: string, listing: { status?: ExecutionStatusFilter; workflows: readonly string[] }): ListingPosition {
  const notOurs = new UsageError('--next-token is not a token `wardflow executions` printed (it may be cut short): copy it whole, or leave it out to list from the newest.');
  if (!token.startsWith(PREFIX)) throw notOurs;
  let parsed: z.infer<typeof TokenSchema>;
  try {
    parsed = TokenSchema.parse(JSON.parse(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8')));
  } catch {
    throw notOurs;
  }
  if (parsed.status !== listing.status) {
    throw new UsageError(`--next-token continues a listing ${parsed.status ? `with --status ${parsed.status}` : 'without --status'}: give the same --status.`);
  }
  if (Object.keys(parsed.workflows).some((workflow) => !listing.workflows.includes(workflow))) {
    throw new UsageError('--next-token continues a listing of another runtime or environment: use it with the same --data-dir, or --profile, --region and --env.');
  }
  const workflows: Record<string, WorkflowPosition> = {};
  for (const [workflow, { pageToken, skip, nextArn }] of Object.entries(parsed.workflows)) {
    workflows[workflow] = { skip, ...(pageToken === undefined ? {} : { pageToken }), ...(nextArn === undefined ? {} : { nextArn }) };
  }
  return { ...(parsed.status ? { status: parsed.status } : {}), workflows };
}
