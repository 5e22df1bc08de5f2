import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as approvalPage } from '../../../functions/approval-page/handler.js';
import { handler as recordDecision } from '../../../functions/record-decision/handler.js';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { approversOnRecord } from '../../../functions/shared/approvals/approvers-on-record.js';
import { ValidationFailed } from '../../../functions/shared/errors.js';
import { approvalStream, executionStream, type StoredEvent } from '../../../functions/shared/events/event.js';
import { approvalState } from '../../../functions/shared/events/fold.js';
import { openSealed } from '../../../functions/shared/events/open-sealed.js';
import {
  acceptTaskCallbacks,
  callStep,
  captureOutput,
  deliveries,
  failureOf,
  lambdaContext,
  linksIn,
  pageEvent,
  stubStepEnvironment,
  undoTestStubs,
  useHandlerWorld,
  invoiceSubject,
  LARGE_INVOICE as invoice,
} from './harness.js';

/**
 * Approvers' addresses are personal data: they may reach SES as a recipient and the sealed
 * parts of events, and nothing else. Planted: an approver address (through APPROVERS) and
 * a stranger's address typed into record-decision. Every stored event's clear part, every log
 * line, every page (body and headers) and everything sent to Step Functions is searched for
 * both, case-insensitively. Opening the sealed parts with the key still answers "who decided".
 */
const PLANTED = 'planted.approver+7f3a@example.test';
const STRANGER = 'stranger.planted+9c1e@example.test';
const sfnMock = mockClient(SFNClient);
const world = useHandlerWorld({ stepFunctions: true });

let output: string[];
let pages: APIGatewayProxyStructuredResultV2[];
beforeEach(() => {
  stubStepEnvironment();
  vi.stubEnv('APPROVERS', JSON.stringify([PLANTED]));
  acceptTaskCallbacks(sfnMock);
  output = captureOutput();
  pages = [];
});
afterEach(() => undoTestStubs(world));

const gate = (id: string, token: string) => callStep(requestApproval, id, { approvalId: `${id}-1`, subject: invoiceSubject(invoice) }, token);

async function page(method: 'GET' | 'POST', link: string, form?: Record<string, string>): Promise<APIGatewayProxyStructuredResultV2> {
  const response = await approvalPage(pageEvent(method, link, form ? { form } : {}), lambdaContext('req-privacy'));
  pages.push(response);
  return response;
}

/** Every event of the executions' and their approvals' streams. */
async function storedEvents(ids: readonly string[]): Promise<StoredEvent[]> {
  const streams = ids.flatMap((id) => [executionStream(id), approvalStream(`${id}-1`)]);
  return (await Promise.all(streams.map((stream) => world.read(stream)))).flat();
}

/** Who decided an approval, as an auditor holding the key finds out: the decision's sealed address, and its position in the request's sealed list. */
async function whoDecided(approvalId: string): Promise<{ sealed: unknown; byPosition: string | undefined }> {
  const events = await world.approvalEvents(approvalId);
  const decided = events.find((e) => e.type === 'ApprovalDecided')!;
  const approvers = await approversOnRecord(events, world.deps.sealer);
  return { sealed: (await openSealed(decided, world.deps.sealer)).approver, byPosition: approvers[decided.data.approverIndex as number] };
}

describe('approver addresses', () => {
  it('stay out of every clear event, log line, page and Step Functions call; the sealed parts still say who decided', async () => {
    // By the page: the gate emails the link, Step Functions retries the gate (re-emailed), the approver opens it and approves.
    const byPage = 'exec-privacy-page';
    const sentBefore = world.sentEmails().length;
    await gate(byPage, 'AQCEAAAA-privacy-token-1');
    await gate(byPage, 'AQCEAAAA-privacy-token-2');
    const emails = world.sentEmails().slice(sentBefore);
    expect(emails.map((email) => email.Destination?.ToAddresses)).toEqual([[PLANTED], [PLANTED]]);
    const link = linksIn(emails[1]!)[0]!;
    expect((await page('GET', link)).statusCode).toBe(200);
    expect((await page('POST', link, { decision: 'approve', comment: 'fine by me' })).statusCode).toBe(200);
    // A click after it is on record: delivered again, nothing appended.
    expect((await page('POST', link, { decision: 'approve' })).statusCode).toBe(409);

    // By record-decision: a stranger is refused; the approver, typed in another case, rejects; a late gate retry is answered.
    const byOperator = 'exec-privacy-operator';
    await gate(byOperator, 'AQCEAAAA-privacy-token-3');
    const refused = await failureOf(callStep(recordDecision, byOperator, { approvalId: `${byOperator}-1`, approver: STRANGER, decision: 'approve' }));
    expect(refused).toBeInstanceOf(ValidationFailed);
    await callStep(recordDecision, byOperator, { approvalId: `${byOperator}-1`, approver: PLANTED.toUpperCase(), decision: 'reject' });
    await gate(byOperator, 'AQCEAAAA-privacy-token-4');
    expect(approvalState(await world.approvalEvents(`${byPage}-1`)).status).toBe('approved');
    expect(approvalState(await world.approvalEvents(`${byOperator}-1`)).status).toBe('rejected');

    const events = await storedEvents([byPage, byOperator]);
    const clearEvents = JSON.stringify(events.map((event) => ({ ...event, sealed: event.sealed === null ? null : 'sealed' })));
    const stepFunctions = JSON.stringify(sfnMock.calls().map((call) => call.args[0].input));
    const everything = { clearEvents, logs: output.join(''), pages: JSON.stringify(pages), stepFunctions, emailContent: JSON.stringify(emails.map((e) => e.Content)) };
    for (const [where, text] of Object.entries(everything)) {
      for (const address of [PLANTED, STRANGER]) expect(text.toLowerCase(), `${address} in ${where}`).not.toContain(address);
      // Not even its local part, which would name the person just as well.
      expect(text.toLowerCase(), `the local part in ${where}`).not.toContain('planted.approver');
    }
    // What the searches covered did happen: the calls were made and logged, and the events are the gates' and the decisions'.
    expect(deliveries(sfnMock)).toHaveLength(4); // approve, approve again, reject, reject again to the late retry
    expect(output.some((line) => line.includes('"outcome":"approved"'))).toBe(true);
    expect(events.filter((e) => e.type === 'ApprovalDecided').map((e) => [e.actor, e.data.approverIndex])).toEqual([
      ['approver:0', 0],
      ['approver:0', 0],
    ]);
    expect(events.filter((e) => e.type === 'ApprovalRequested' && e.stream.startsWith('approval#')).map((e) => e.data.approverCount)).toEqual([1, 1]);

    // The audit, with the key: the address as the request listed it, both in the decision and by its position.
    expect(await whoDecided(`${byPage}-1`)).toEqual({ sealed: PLANTED, byPosition: PLANTED });
    expect(await whoDecided(`${byOperator}-1`)).toEqual({ sealed: PLANTED, byPosition: PLANTED });
    // The stranger was never recorded, not even sealed.
    const opened = await Promise.all(events.map((event) => openSealed(event, world.deps.sealer)));
    expect(JSON.stringify(opened).toLowerCase()).not.toContain(STRANGER);
  });
});
