import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { synthWardflow, templateOf } from '../cdk/synth.js';
import { expectPayloadsFitHandlers, fits, handlersOf } from './payload-contract.js';
import { invoiceApproval } from '../../../statemachines/invoice-approval/workflow.js';

let template: Template;
beforeAll(() => {
  template = templateOf(synthWardflow({ 'wardflow:stages': 'dev' }), 'dev');
});

describe('state machine payloads against handler schemas', () => {
  it.each(WORKFLOWS.map((workflow) => [workflow.name, workflow] as const))(
    'gives every Task of %s the envelope and input keys the handler it invokes validates',
    async (_name, workflow) => {
      await expectPayloadsFitHandlers(template, workflow);
    },
  );

  it('would catch a renamed field', async () => {
    const handlers = [...(await handlersOf(template, invoiceApproval)).values()];
    const extractInvoice = handlers.find((h) => h.handler.step.name === 'extract-invoice')!.handler;
    expect(fits(['invoiceText'], extractInvoice.step.input)).toBe(true);
    expect(fits(['documentText'], extractInvoice.step.input)).toBe(false);
    expect(fits([], extractInvoice.step.input)).toBe(false);
  });
});
