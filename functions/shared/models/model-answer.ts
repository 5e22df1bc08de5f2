import type * as z from 'zod';
import { ValidationFailed } from '../errors.js';
import { describeIssues } from '../middleware/describe-issues.js';

const SOURCE = 'model output';

/**
 * Reads a model's answer as JSON checked against `schema`. A surrounding Markdown code fence is
 * tolerated (models add one despite instructions); anything else that does not match throws
 * `ValidationFailed` with source `model output`, naming fields and what each should have been,
 * never their values (a model's answer may quote the untrusted document).
 *
 * @example
 * const invoice = parseModelAnswer(answer.text, Invoice);
 */
export function parseModelAnswer<Schema extends z.ZodType>(text: string, schema: Schema): z.output<Schema> {
  const unfenced = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, '$1');
  let value: unknown;
  try {
    value = JSON.parse(unfenced);
  } catch {
    throw new ValidationFailed(SOURCE, [{ path: '(root)', expected: 'a JSON object' }]);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationFailed(SOURCE, describeIssues(parsed.error.issues));
  return parsed.data;
}
