import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import type { z } from 'zod';
import { FUNCTION_METADATA_KEY } from '../../../lib/constructs/handler-metadata.js';
import type { AnyWorkflow } from '../../../lib/workflows/workflow-definition.js';
import { functionsOfWorkflow, resourcesOf } from '../cdk/synth.js';
import { aslOf, invokedFunctionOf } from '../cdk/workflow-expectations.js';
import type { State } from './asl.js';

/**
 * The state machine and the handlers are written apart; this holds every Task's payload (the keys
 * of its `input`) against the input schema of the handler it invokes, for any workflow: the handler
 * is found the way the local runtime finds it (the function's metadata names it), so renaming a
 * field on one side and not the other fails in a test rather than in the first execution.
 */

/** The schemas a `defineStep` handler carries. */
type StepModule = { handler: { step: { name: string; input: z.ZodType } } };

const isCallback = (s: State) => String(s.Resource).endsWith('.waitForTaskToken');
const payloadOf = (s: State) => (isCallback(s) ? (s.Parameters as { Payload: Record<string, unknown> }).Payload : (s.Parameters as Record<string, unknown>));
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
export function fits(keys: string[], schema: z.ZodType): boolean {
  return shapesOf(schema).some((shape) => {
    const required = Object.entries(shape)
      .filter(([, field]) => !field.safeParse(undefined).success)
      .map(([k]) => k);
    return keys.every((k) => k in shape) && required.every((k) => keys.includes(k));
  });
}

/** The handler module of every function a workflow's state machine may invoke, by logical id. */
export async function handlersOf(template: Template, workflow: AnyWorkflow): Promise<Map<string, StepModule>> {
  const byName = new Map(functionsOfWorkflow(workflow).map((fn) => [fn.name, fn]));
  const handlers = new Map<string, StepModule>();
  for (const [id, resource] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const fn = byName.get(String(resource.Metadata?.[FUNCTION_METADATA_KEY]));
    if (fn === undefined) continue;
    handlers.set(id, (await import(pathToFileURL(path.join(fn.directory, fn.handler, 'handler.ts')).href)) as StepModule);
  }
  return handlers;
}

/**
 * Holds every Task of a workflow's state machine to the handler it invokes: the envelope
 * (`executionId`, `taskToken` for a gate) and the keys of its `input`, or, for a path, the keys of
 * every Pass state that sets that path.
 */
export async function expectPayloadsFitHandlers(template: Template, workflow: AnyWorkflow): Promise<void> {
  const asl = aslOf(template, workflow);
  const handlers = await handlersOf(template, workflow);
  const tasks = Object.entries(asl.States).filter(([, s]) => s.Type === 'Task');
  expect(tasks.length).toBeGreaterThan(0);
  for (const [name, state] of tasks) {
    const handler = handlers.get(invokedFunctionOf(state));
    expect(handler, `${name} invokes a function of ${workflow.name} with a defineStep handler`).toBeDefined();
    const payload = payloadOf(state);
    // `<workflow>:<execution name>` (functions/shared/events/execution-id.ts): the streams are the workflow's own.
    expect(payload['executionId.$'], name).toBe(`States.Format('${workflow.name}:{}', $$.Execution.Name)`);
    if (isCallback(state)) expect(payload['taskToken.$'], name).toBe('$$.Task.Token');
    const schema = handler!.handler.step.input;
    const input = payload.input as Record<string, unknown> | undefined;
    if (input !== undefined) {
      expect(fits(keysOf(input), schema), `${name} (${handler!.handler.step.name}): input keys ${keysOf(input).join(', ')}`).toBe(true);
      continue;
    }
    // A path instead of a template: the whole execution input (RecordStart) or a Pass state's result.
    const from = payload['input.$'];
    if (from === '$') continue; // the execution input, validated by record-start itself
    const producers = Object.entries(asl.States).filter(([, s]) => s.Type === 'Pass' && (s.ResultPath === from || (s.ResultPath === undefined && isUnder(from, s))));
    expect(producers.length, `${name}: nothing sets ${String(from)}`).toBeGreaterThan(0);
    for (const [producer, pass] of producers) {
      const parameters = pass.ResultPath === from ? (pass.Parameters as Record<string, unknown>) : (valueAt(pass.Parameters, String(from)) as Record<string, unknown>);
      const keys = keysOf(parameters);
      expect(fits(keys, schema), `${producer} -> ${name}: input keys ${keys.join(', ')}`).toBe(true);
    }
  }
}

/** Whether a Pass state without ResultPath (it replaces the state) sets `from`, e.g. DescribeStartFailure's `failure`. */
function isUnder(from: unknown, pass: State): boolean {
  return typeof from === 'string' && valueAt(pass.Parameters, from) !== undefined;
}

/** The part of a Pass state's Parameters at a simple path such as `$.failure`. */
function valueAt(parameters: unknown, jsonPath: string): unknown {
  let value: unknown = parameters;
  for (const key of jsonPath.replace(/^\$\.?/, '').split('.').filter((k) => k !== '')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
