import * as z from 'zod';
import { requireEnv } from '../shared/config.js';
import { ConfigurationInvalid, ValidationFailed } from '../shared/errors.js';
import { describeIssues } from '../shared/middleware/describe-issues.js';
import { executionStream, type Json, type NewEvent } from '../shared/events/event.js';
import { openStream } from '../shared/events/open-stream.js';
import { SourceLabel } from '../shared/source-label.js';
import { ENVIRONMENT_TIER_VARIABLE, InputClassification, refuseRealDataOutsideProd } from '../shared/input-classification.js';
import { defineStep } from '../shared/middleware/step.js';
import { PLATFORM_INPUT_FIELD, PlatformInputSchema, starterOf } from './started-by.js';

const STEP = 'record-start';

/** The workflow's execution input schema, as JSON Schema from WORKFLOW_INPUT_SCHEMA: built once per container. */
let workflowInput: { raw: string; schema: z.ZodType } | undefined;

function workflowInputSchema(): z.ZodType {
  const raw = requireEnv('WORKFLOW_INPUT_SCHEMA');
  if (workflowInput?.raw === raw) return workflowInput.schema;
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(JSON.parse(raw) as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    throw new ConfigurationInvalid('WORKFLOW_INPUT_SCHEMA is not a JSON Schema the platform can read; synthesize the app again');
  }
  workflowInput = { raw, schema };
  return schema;
}

/**
 * The platform's first state of every workflow: the execution's stream begins with
 * ExecutionStarted, naming the workflow (WORKFLOW_NAME) and the input's `source` label in clear,
 * and the rest of the input sealed in its sensitive part, appended at expected version 0 (openStream).
 *
 * The input is checked first: a JSON object whose `source`, when present, is a label (kept in
 * clear, so no room for an address), and whose fields match the workflow's input schema
 * (WORKFLOW_INPUT_SCHEMA, the JSON Schema of the workflow's zod `input`, made at synth). Refinements
 * that JSON Schema cannot carry are checked by the step that reads the field; what is checked here
 * is enough for every later state to find the fields it reads, so a bad start ends with
 * ValidationFailed and ExecutionFailed on the record, never in a States.Runtime error.
 *
 * A stream that already exists is taken as an earlier attempt of this very step (a Step
 * Functions retry after a Lambda.ServiceException, or after the write landed but the audit
 * write failed) only when its first event is an ExecutionStarted with the same workflow and
 * source AND every event in it is this step's own (`step:record-start`: the ExecutionStarted,
 * its StepSucceeded/StepFailed). Then the step succeeds without a second ExecutionStarted.
 *
 * Anything else fails with ConcurrencyConflict, in particular a stream other steps wrote to
 * or that already ended (ExecutionSucceeded/ExecutionFailed come from record-outcome).
 * Execution names are unique only among running executions: Step Functions lets a STANDARD
 * execution name be reused 90 days after the first run, and a new execution continuing the
 * old stream would find the old run's decisions and effects there and act on them.
 *
 * The sealed input is not compared, and no hash of it is stored in clear: a hash of a
 * short document could be reversed by guessing.
 *
 * An input marked `"classification": "real"` is refused in an environment whose tier
 * (ENVIRONMENT_TIER) is not prod, like any other bad input: ValidationFailed naming
 * input.classification, nothing else written (functions/shared/input-classification.ts). A
 * classification, one of two words, is kept in clear on ExecutionStarted when the input gives one.
 *
 * Who started it (started-by.ts): the platform's input field `wardflow: { startedBy }`, which
 * `wardflow start` and the local runtime add, is taken out before the workflow's input is checked
 * and sealed. ExecutionStarted keeps in clear `startedBy` (`aws:<account>:<type>`, `local`, or
 * `unknown` when the start did not say) and `startedThrough` (`wardflow` or `other`), and seals the
 * full principal beside the input. A malformed field is refused like any bad input (ValidationFailed
 * naming input.wardflow), nothing written.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.looseObject({ source: SourceLabel.optional(), classification: InputClassification.optional(), [PLATFORM_INPUT_FIELD]: PlatformInputSchema.optional() }),
    output: z.object({}),
  },
  async (input, ctx) => {
    const workflow = requireEnv('WORKFLOW_NAME');
    const { source, classification, [PLATFORM_INPUT_FIELD]: platform, ...rest } = input;
    // Dev is not for real data: refused before the schema and before anything is written.
    const refusal = refuseRealDataOutsideProd(classification, process.env[ENVIRONMENT_TIER_VARIABLE]);
    if (refusal !== undefined) throw new ValidationFailed(`${STEP} input`, [refusal]);
    // Named like the middleware's own ValidationFailed: the field's path and what was expected, never its value.
    // The workflow's schema sees its own input only: the platform's field is not the workflow's.
    const { [PLATFORM_INPUT_FIELD]: _platform, ...workflowFields } = input;
    const checked = workflowInputSchema().safeParse(workflowFields);
    if (!checked.success) throw new ValidationFailed(`${STEP} input`, describeIssues(checked.error.issues, ['input']));
    const starter = starterOf(platform);
    const started: NewEvent = {
      type: 'ExecutionStarted',
      actor: `step:${STEP}`,
      data: { workflow, source: source ?? null, ...(classification === undefined ? {} : { classification }), ...starter.clear },
      sensitive: { input: rest as { [key: string]: Json }, ...(starter.sealed ?? {}) },
    };
    await openStream(
      ctx.deps.store,
      executionStream(ctx.executionId),
      started,
      (first, all) =>
        first.type === started.type &&
        first.data.workflow === workflow &&
        first.data.source === started.data.source &&
        all.every((event) => event.actor === started.actor),
    );
    return {};
  },
);
