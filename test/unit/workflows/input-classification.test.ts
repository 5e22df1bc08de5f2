import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigurationInvalid } from '../../../functions/shared/errors.js';
import { refuseRealDataOutsideProd } from '../../../functions/shared/input-classification.js';
import { workflowInputJsonSchema } from '../../../lib/workflows/input-schema.js';
import { workflowInputSchema } from '../../../lib/cli/workflows.js';

/** The platform-reserved input field `classification`: every workflow takes it, only prod takes "real". */
describe('the classification of an execution input', () => {
  it('refuses "real" outside prod (an unknown tier included), and nothing else', () => {
    expect(refuseRealDataOutsideProd('real', 'dev')).toMatchObject({ path: 'input.classification' });
    expect(refuseRealDataOutsideProd('real', undefined)).toMatchObject({ path: 'input.classification' });
    expect(refuseRealDataOutsideProd('real', 'prod')).toBeUndefined();
    expect(refuseRealDataOutsideProd('synthetic', 'dev')).toBeUndefined();
    expect(refuseRealDataOutsideProd(undefined, 'dev')).toBeUndefined();
  });

  it("is in every workflow's JSON Schema for record-start, and in the CLI's check, without the workflow declaring it", async () => {
    const workflow = { name: 'tiny', input: z.object({ text: z.string() }) };
    const jsonSchema = z.fromJSONSchema(JSON.parse(workflowInputJsonSchema(workflow)));
    expect(jsonSchema.safeParse({ text: 'x', classification: 'synthetic' }).success).toBe(true);
    expect(jsonSchema.safeParse({ text: 'x', classification: 'secret' }).success).toBe(false);
    expect(jsonSchema.safeParse({ text: 'x', other: 1 }).success).toBe(false);
    const cli = await workflowInputSchema('invoice-approval');
    expect(cli!.safeParse({ invoiceText: 'Invoice 1', classification: 'real' }).success).toBe(true);
    expect(cli!.safeParse({ invoiceText: 'Invoice 1', classification: 'secret' }).success).toBe(false);
  });

  it('refuses a workflow that declares the reserved field itself', () => {
    expect(() => workflowInputJsonSchema({ name: 'tiny', input: z.object({ classification: z.string() }) })).toThrow(ConfigurationInvalid);
    expect(() => workflowInputJsonSchema({ name: 'tiny', input: z.object({ classification: z.string() }) })).toThrow(/"classification", a field the platform reserves/);
  });

  it('refuses a workflow that declares "wardflow", the field that says who started the execution', () => {
    expect(() => workflowInputJsonSchema({ name: 'tiny', input: z.object({ wardflow: z.string() }) })).toThrow(/"wardflow", a field the platform reserves/);
  });
});
