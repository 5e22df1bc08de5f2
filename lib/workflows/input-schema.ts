import * as z from 'zod';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { PLATFORM_INPUT_FIELD } from '../../functions/record-start/started-by.js';
import { CLASSIFICATION_FIELD, InputClassification } from '../../functions/shared/input-classification.js';
import type { AnyWorkflow } from './workflow-definition.js';

/** Lambda allows 4 KB of environment variables per function; the input schema may take half. */
export const MAX_INPUT_SCHEMA_BYTES = 2_048;

/**
 * The workflow's input schema as compact JSON Schema, for record-start (WORKFLOW_INPUT_SCHEMA):
 * the platform's one function checks every workflow's input without bundling the workflow's code.
 * What JSON Schema cannot say (refinements) is left to the step that reads the field.
 *
 * @example
 * workflowInputJsonSchema(invoiceApproval); // '{"type":"object","properties":{"invoiceText":{"type":"string",...}},...}'
 */
export function workflowInputJsonSchema(workflow: Pick<AnyWorkflow, 'name' | 'input'>): string {
  let text: string;
  try {
    const { $schema: _, ...schema } = z.toJSONSchema(workflow.input, { unrepresentable: 'any' }) as Record<string, unknown>;
    text = JSON.stringify(withPlatformFields(workflow.name, schema));
  } catch (error) {
    if (error instanceof ConfigurationInvalid) throw error;
    throw new ConfigurationInvalid(`workflow ${workflow.name}: its input schema cannot be written as JSON Schema (transforms are not allowed in an execution input)`);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_INPUT_SCHEMA_BYTES) {
    throw new ConfigurationInvalid(
      `workflow ${workflow.name}: its input schema is ${bytes} bytes as JSON Schema, more than ${MAX_INPUT_SCHEMA_BYTES}; keep the execution input small (a document and a source label)`,
    );
  }
  return text;
}

/**
 * The workflow's object schema with the platform-reserved optional field `classification`
 * ('synthetic' | 'real', functions/shared/input-classification.ts) added: every workflow's input takes it
 * without declaring it, and a workflow may not declare it itself (its meaning is the platform's).
 */
function withPlatformFields(workflowName: string, schema: Record<string, unknown>): Record<string, unknown> {
  if (schema.type !== 'object') return schema;
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  if (Object.hasOwn(properties, CLASSIFICATION_FIELD)) {
    throw new ConfigurationInvalid(
      `workflow ${workflowName}: its input declares "${CLASSIFICATION_FIELD}", a field the platform reserves (synthetic or real data); rename the workflow's field`,
    );
  }
  // Who started the execution travels in `wardflow` (functions/record-start/started-by.ts); RecordStart takes it out, so a workflow's own field of that name would vanish.
  if (Object.hasOwn(properties, PLATFORM_INPUT_FIELD)) {
    throw new ConfigurationInvalid(`workflow ${workflowName}: its input declares "${PLATFORM_INPUT_FIELD}", a field the platform reserves (who started the execution); rename the workflow's field`);
  }
  const { $schema: _, ...classification } = z.toJSONSchema(InputClassification) as Record<string, unknown>;
  return { ...schema, properties: { ...properties, [CLASSIFICATION_FIELD]: classification } };
}
