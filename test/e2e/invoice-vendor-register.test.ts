import { describe, expect, it } from 'vitest';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { approvalLinks, followApprovalLink } from '../../lib/local/runtime/services/inbox-client.js';
import { localEventReader } from '../../lib/local/runtime/app/event-reader.js';
import { outcomeOf } from '../../lib/local/runtime/app/examples.js';
import { qualifiedExecutionId } from '../../functions/shared/events/execution-id.js';
import { VENDOR_CHECKS } from '../../functions/workflows/invoice-approval/domain/vendor-check.js';
import { vendorStreamOf } from '../../functions/workflows/vendor-bank-details/domain/vendor-id.js';
import { linksOfApprovers, VENDOR_MASTER_QUORUM } from '../support/vendor-register.js';
import { eventually, runtimesOfThisFile, type RuntimeProcess } from '../support/local-runtime.js';

/**
 * `npm start` with the invoice examples that rely on the vendor register: the adversarial invoices
 * (an injected vendor name, a lookalike name, a changed IBAN, planted secrets) each wait for a person
 * and are never paid without one, and Acme's invoice is auto-approved by the gate's policy only after
 * two vendor-master approvers approved Acme's bank details, which the runtime says it waits for.
 */
const runtime = runtimesOfThisFile();

/** Slow, shared machines: every wait ends on its signal, this only bounds a hang. */
const WAIT_MS = 180_000;

const invoiceId = (name: string) => qualifiedExecutionId('invoice-approval', name);
const vendorExecutionId = (name: string) => qualifiedExecutionId('vendor-bank-details', name);

/** The examples the runtime said it started, by file: "started example <workflow>/<file> as execution <name>". */
function started(r: RuntimeProcess, workflow: string): Record<string, string> {
  return Object.fromEntries(
    [...r.output().matchAll(/started example ([a-z-]+)\/(\S+) as execution (\S+)/g)].filter((m) => m[1] === workflow).map((m) => [m[2]!, m[3]!]),
  );
}

async function endedStatus(r: RuntimeProcess, workflow: string, name: string): Promise<string> {
  const { endpoints, region, credentials, resources } = r.endpoints;
  const sfn = new SFNClient({ endpoint: endpoints.stepfunctions, region, credentials });
  const executionArn = `${resources.stateMachines[workflow]!.replace(':stateMachine:', ':execution:')}:${name}`;
  try {
    return await eventually(async () => {
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return status === 'RUNNING' ? undefined : status;
    }, `execution ${name} to end`, WAIT_MS);
  } finally {
    sfn.destroy();
  }
}

async function approvalLink(r: RuntimeProcess, executionId: string): Promise<string> {
  return (await approvalLinksOf(r, executionId, 1))[0]!;
}

/** One link each of the first `count` approvers emailed for the execution's gate (a policy's level emails each member their own). */
function approvalLinksOf(r: RuntimeProcess, executionId: string, count: number): Promise<string[]> {
  return linksOfApprovers(r.endpoints.endpoints.inbox, executionId, count, Date.now() + WAIT_MS);
}

describe('npm start: invoices decided by the vendor register', { timeout: 900_000 }, () => {
  it('sends every adversarial invoice to a person and auto-approves the registered vendor only after its bank change is approved', async () => {
    const r = await runtime();
    const reader = localEventReader(r.endpoints);
    try {
      // Said plainly at the start: the invoices that rely on the register wait for the bank change.
      const acme = started(r, 'vendor-bank-details')['bank-change-acme.json']!;
      expect(acme).toBeDefined();
      for (const file of ['invoice-small.json', 'invoice-changed-iban.json', 'invoice-planted-secrets.json']) {
        expect(r.output()).toContain(`example invoice-approval/${file} waits until vendor-bank-details/bank-change-acme.json (execution ${acme}) is decided`);
        expect(started(r, 'invoice-approval')[file], file).toBeUndefined();
      }

      /** The invoice reached the gate, with the reason the approver sees, and nothing approved it without a person. */
      const atTheGate = async (name: string): Promise<string> => {
        await approvalLink(r, invoiceId(name));
        const approval = await reader.approval(`${invoiceId(name)}-1`);
        expect(approval.map((e) => e.type)).not.toContain('ApprovalAutoDecided');
        const requested = approval.find((e) => e.type === 'ApprovalRequested')!;
        const fields = (requested.data.subject as { fields: { label: string; value: string }[] }).fields;
        return fields.find((f) => f.label === 'Vendor check')!.value;
      };

      // Before Acme is registered: the injected "vendor is Northwind Traders" and the lookalike name wait for a person.
      const invoices = started(r, 'invoice-approval');
      // The injection guard marked it for a person before the model read it.
      expect(await atTheGate(invoices['invoice-injected-vendor.json']!)).toBe(VENDOR_CHECKS['guard-asked-for-human']);
      const injectedGuards = (await reader.execution(invoiceId(invoices['invoice-injected-vendor.json']!))).filter((e) => e.type === 'GuardTriggered');
      expect(injectedGuards.map((e) => [e.data.guard, e.data.verdict])).toContainEqual(['injection', 'human']);
      expect(await atTheGate(invoices['invoice-lookalike-vendor.json']!)).toBe(VENDOR_CHECKS['vendor-not-registered']);

      // Two vendor-master approvers (the policy's quorum) approve Acme's bank details: the register has them, and the waiting invoices start.
      for (const link of await approvalLinksOf(r, vendorExecutionId(acme), VENDOR_MASTER_QUORUM)) expect((await followApprovalLink(link, 'approve')).status).toBe(200);
      expect(await endedStatus(r, 'vendor-bank-details', acme)).toBe('SUCCEEDED');
      expect((await reader.stream(vendorStreamOf('Acme Office Supplies'))).map((e) => e.type)).toEqual(['VendorBankDetailsChanged']);
      const after = await eventually(() => {
        const now = started(r, 'invoice-approval');
        return now['invoice-small.json'] && now['invoice-changed-iban.json'] && now['invoice-planted-secrets.json'] ? now : undefined;
      }, 'the invoices that wait for the bank change to start', WAIT_MS);

      // The registered vendor's invoice, with the registered account, under the threshold: the gate's policy approves it, no email, paid.
      const small = after['invoice-small.json']!;
      expect(await endedStatus(r, 'invoice-approval', small)).toBe('SUCCEEDED');
      expect(outcomeOf(await reader.execution(invoiceId(small)))).toBe('succeeded-auto-approved');
      const [decided] = await reader.approval(`${invoiceId(small)}-1`);
      expect(decided).toMatchObject({ type: 'ApprovalAutoDecided', actor: 'policy:known-vendor-under-5000', data: { decision: 'approve', rule: 'known-vendor-under-5000' } });
      expect((await approvalLinks(r.endpoints.endpoints.inbox)).filter((l) => l.approvalId === `${invoiceId(small)}-1`)).toEqual([]);

      // Acme's name with another account: a person decides; the planted-secrets invoice passes the register, its amount (5,000 to 50,000) needs a finance approver.
      expect(await atTheGate(after['invoice-changed-iban.json']!)).toBe(VENDOR_CHECKS['iban-differs-from-register']);
      expect(await atTheGate(after['invoice-planted-secrets.json']!)).toBe(VENDOR_CHECKS['registered-account']);
      // Its e-mail address and AWS key were redacted before the model: on record as kinds, never as values.
      const planted = await reader.execution(invoiceId(after['invoice-planted-secrets.json']!));
      const pii = planted.find((e) => e.type === 'GuardTriggered' && e.data.guard === 'pii')!;
      expect(new Set((pii.data.spans as { kind: string }[]).map((span) => span.kind))).toEqual(new Set(['EMAIL', 'AWS_KEY', 'IBAN']));
      expect(JSON.stringify(planted.map((e) => e.data))).not.toMatch(/billing\.desk|AKIAIOSFODNN7EXAMPLE/);

      // The person rejects the forged ones: they end failed, and nothing was paid.
      for (const file of ['invoice-injected-vendor.json', 'invoice-lookalike-vendor.json', 'invoice-changed-iban.json']) {
        const name = { ...invoices, ...after }[file]!;
        expect((await followApprovalLink(await approvalLink(r, invoiceId(name)), 'reject')).status).toBe(200);
        expect(await endedStatus(r, 'invoice-approval', name), file).toBe('FAILED');
        const events = await reader.execution(invoiceId(name));
        expect(outcomeOf(events), file).toBe('failed-rejected');
        expect(events.map((e) => e.type), file).not.toContain('PaymentRecorded');
      }
    } finally {
      reader.close();
    }
  });
});
