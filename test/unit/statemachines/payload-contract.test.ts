import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { handler as applyPolicy } from '../../../functions/apply-policy/handler.js';
import { handler as checkGrounding } from '../../../functions/check-grounding/handler.js';
import { handler as extractInvoice } from '../../../functions/extract-invoice/handler.js';
import { handler as payInvoice } from '../../../functions/pay-invoice/handler.js';
import { handler as recordOutcome } from '../../../functions/record-outcome/handler.js';
import { handler as recordStart } from '../../../functions/record-start/handler.js';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { synthWardflow, templateOf } from '../cdk/synth.js';
import { type Asl, type State, renderDefinition } from './asl.js';

/**
 * The state machine and the handlers are written apart; this holds every Task's payload
 * (the keys of its `input`) against the input schema of the handler it invokes, so renaming a
 * field on one side and not the other fails here rather than in the first execution.
 */
const handlers: Record<string, { step: { name: string; input: z.ZodType } }> = {
  RecordStartFunction: recordStart,
  ExtractInvoiceFunction: extractInvoice,
  CheckGroundingFunction: checkGrounding,
  ApplyPolicyFunction: applyPolicy,
  RequestApprovalFunction: requestApproval,
  PayInvoiceFunction: payInvoice,
  RecordOutcomeFunction: recordOutcome,
};

let asl: Asl;
beforeAll(() => {
  const app = synthWardflow({ 'wardflow:stages': 'dev' });
  const machine = Object.values(templateOf(app, 'dev').findResources('AWS::StepFunctions::StateMachine'))[0] as {
    Properties: { DefinitionString: unknown };
  };
  asl = renderDefinition(machine.Properties.DefinitionString);
});

const isCallback = (s: State) => String(s.Resource).endsWith('.waitForTaskToken');
const payloadOf = (s: State) => (isCallback(s) ? (s.Parameters as { Payload: Record<string, unknown> }).Payload : (s.Parameters as Record<string, unknown>));
const functionOf = (s: State) => {
  const ref = String(isCallback(s) ? (s.Parameters as { FunctionName: string }).FunctionName : s.Resource);
  return /^\$\{(\w+)\.Arn\}$/.exec(ref)?.[1] ?? ref;
};
/** `{ "invoice.$": "$.invoice", "outcome": "failed" }` -> ['invoice', 'outcome'] */
const keysOf = (template: Record<string, unknown>) => Object.keys(template).map((k) => k.replace(/\.\$$/, '')).sort();

/** The object shapes a schema accepts: one for z.object, one per option of a union. */
function shapesOf(schema: z.ZodType): Record<string, z.ZodType>[] {
  const s = schema as unknown as { shape?: Record<string, z.ZodType>; options?: z.ZodType[] };
  if (s.shape) return [s.shape];
  if (s.options) return s.options.flatMap(shapesOf);
  throw new Error('test: a step input schema is neither an object nor a union of objects');
}

/** True when some shape takes exactly these keys: none unknown, every required one present. */
function fits(keys: string[], schema: z.ZodType): boolean {
  return shapesOf(schema).some((shape) => {
    const required = Object.entries(shape)
      .filter(([, field]) => !field.safeParse(undefined).success)
      .map(([k]) => k);
    return keys.every((k) => k in shape) && required.every((k) => keys.includes(k));
  });
}

describe('state machine payloads against handler schemas', () => {
  it('names a known handler in every Task', () => {
    const tasks = Object.values(asl.States).filter((s) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(8);
    for (const task of tasks) expect(Object.keys(handlers)).toContain(functionOf(task));
  });

  it('gives every Task the envelope and input keys its handler validates', () => {
    for (const [name, state] of Object.entries(asl.States).filter(([, s]) => s.Type === 'Task')) {
      const payload = payloadOf(state);
      expect(payload['executionId.$'], name).toBe('$$.Execution.Name');
      if (isCallback(state)) expect(payload['taskToken.$'], name).toBe('$$.Task.Token');
      const schema = handlers[functionOf(state)]!.step.input;
      const input = payload.input as Record<string, unknown> | undefined;
      if (input !== undefined) {
        expect(fits(keysOf(input), schema), `${name}: input keys ${keysOf(input).join(', ')}`).toBe(true);
        continue;
      }
      // A path instead of a template: the whole execution input (RecordStart) or a Pass state's result.
      const path = payload['input.$'];
      if (path === '$') continue; // the execution input, validated by record-start itself
      const producers = Object.entries(asl.States).filter(([, s]) => s.Type === 'Pass' && s.ResultPath === path);
      expect(producers.length, `${name}: nothing sets ${String(path)}`).toBeGreaterThan(0);
      for (const [producer, pass] of producers) {
        const keys = keysOf(pass.Parameters as Record<string, unknown>);
        expect(fits(keys, schema), `${producer} -> ${name}: input keys ${keys.join(', ')}`).toBe(true);
      }
    }
  });

  it('would catch a renamed field', () => {
    expect(fits(['invoiceText'], extractInvoice.step.input)).toBe(true);
    expect(fits(['documentText'], extractInvoice.step.input)).toBe(false);
    expect(fits([], extractInvoice.step.input)).toBe(false);
  });
});
