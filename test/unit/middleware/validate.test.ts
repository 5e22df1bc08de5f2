import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationFailed } from '../../../functions/shared/errors.js';
import { describeIssues, formatPath } from '../../../functions/shared/middleware/describe-issues.js';
import { validate } from '../../../functions/shared/middleware/validate.js';
import { lambdaContext } from './fixtures.js';
import { naughtyStrings } from '../../support/datasets.js';

const Input = z.object({
  invoice: z.object({
    amount: z.string().regex(/^\d+\.\d{2}$/),
    currency: z.enum(['EUR', 'USD']),
    lines: z.array(z.object({ qty: z.number().int().min(1) })).max(3),
  }),
  note: z.string().max(10).default('none'),
});
const Output = z.object({ ok: z.boolean() });

const PLANTED = 'sk_live_PLANTED_validate_0002';

function wrapped(respond: (input: unknown) => unknown = () => ({ ok: true })) {
  const seen: unknown[] = [];
  const handler = middy(async (event: unknown) => {
    seen.push(event);
    return respond((event as { input: unknown }).input);
  }).use(validate({ input: Input, output: Output, source: 'pay input' }));
  return { handler, seen };
}

const good = { invoice: { amount: '12.50', currency: 'EUR', lines: [{ qty: 2 }] } };

async function failure(promise: Promise<unknown>): Promise<ValidationFailed> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationFailed);
  return error as ValidationFailed;
}

describe('validate middleware', () => {
  it('passes valid input to the handler parsed (defaults applied, unknown keys stripped)', async () => {
    const { handler, seen } = wrapped();
    await expect(handler({ executionId: 'exec-1', input: { ...good, extra: 1 } }, lambdaContext())).resolves.toEqual({ ok: true });
    expect(seen[0]).toEqual({ executionId: 'exec-1', input: { ...good, note: 'none' } });
  });

  it('names paths and expectations, never the received value', async () => {
    const { handler, seen } = wrapped();
    const bad = { invoice: { amount: PLANTED, currency: PLANTED, lines: [{ qty: 0 }, { qty: PLANTED }] }, note: PLANTED };
    const error = await failure(handler({ executionId: 'exec-1', input: bad }, lambdaContext()));
    expect(seen).toHaveLength(0);
    expect(error.source).toBe('pay input');
    expect(error.issues).toEqual([
      { path: 'input.invoice.amount', expected: 'a string matching /^\\d+\\.\\d{2}$/' },
      { path: 'input.invoice.currency', expected: 'one of "EUR", "USD"' },
      { path: 'input.invoice.lines[0].qty', expected: 'a number >= 1' },
      { path: 'input.invoice.lines[1].qty', expected: 'a number' },
      { path: 'input.note', expected: 'a string of at most 10 characters' },
    ]);
    expect(JSON.stringify({ message: error.message, details: error.details, stack: error.stack })).not.toContain('PLANTED');
  });

  it('refuses an envelope without a usable executionId or with a non-string task token', async () => {
    const { handler, seen } = wrapped();
    const e1 = await failure(handler({ executionId: 'bad id!', input: good }, lambdaContext()));
    expect(e1.issues).toEqual([{ path: 'executionId', expected: 'a string matching /^[A-Za-z0-9_:-]+$/' }]);
    const e2 = await failure(handler({ executionId: 'e', taskToken: 5, input: good }, lambdaContext()));
    expect(e2.issues).toEqual([{ path: 'taskToken', expected: 'a string' }]);
    const e3 = await failure(handler('not an object', lambdaContext()));
    expect(e3.issues).toEqual([{ path: '(root)', expected: 'an object' }]);
    // `<workflow>:<execution name>`: a 40-character workflow, ':' and an 80-character name (121) pass; one more does not.
    const longest = `${'w'.repeat(40)}:${'x'.repeat(80)}`;
    expect(seen).toHaveLength(0);
    await handler({ executionId: longest, input: good }, lambdaContext());
    expect(seen).toHaveLength(1);
    const e4 = await failure(handler({ executionId: `${longest}x`, input: good }, lambdaContext()));
    expect(e4.issues[0]).toEqual({ path: 'executionId', expected: 'a string of at most 121 characters' });
  });

  it('refuses input nested deeper than 64 levels before any schema walks it, even 100,000 deep', async () => {
    const { handler, seen } = wrapped();
    for (const depth of [65, 100_000]) {
      let nested: unknown = 1;
      for (let i = 0; i < depth; i++) nested = [nested];
      const error = await failure(handler({ executionId: 'exec-deep', input: { ...good, extra: nested } }, lambdaContext()));
      expect(error.issues).toEqual([{ path: 'input', expected: 'JSON nested at most 64 levels deep' }]);
    }
    let nested: unknown = 1;
    for (let i = 0; i < 62; i++) nested = [nested];
    await handler({ executionId: 'exec-ok', input: { ...good, extra: nested } }, lambdaContext());
    expect(seen).toHaveLength(1);
  });

  it('validates the response with the output schema, as `<step> output`', async () => {
    const { handler } = wrapped(() => ({ ok: PLANTED }));
    const error = await failure(handler({ executionId: 'exec-1', input: good }, lambdaContext()));
    expect(error.source).toBe('pay output');
    expect(error.issues).toEqual([{ path: 'output.ok', expected: 'a boolean' }]);
    expect(error.message).not.toContain('PLANTED');
  });

  it('either accepts or rejects with ValidationFailed every naughty string (blns), never crashes', async () => {
    const blns = naughtyStrings();
    const handler = middy(async (event: { input: { text: string } }) => ({ ok: event.input.text.length >= 0 })).use(
      validate({ input: z.object({ text: z.string().max(200).regex(/^[^<>]*$/) }), output: Output, source: 'text input' }),
    );
    let accepted = 0;
    let rejected = 0;
    for (const text of blns) {
      for (const event of [{ executionId: 'exec-1', input: { text } }, { executionId: text, input: { text } }, { executionId: 'e', input: text }]) {
        try {
          await handler(event as never, lambdaContext());
          accepted++;
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationFailed);
          // A rejected string is never echoed (the empty string and pure spaces are everywhere).
          if (text.trim().length > 3) expect((error as Error).message).not.toContain(text);
          rejected++;
        }
      }
    }
    expect(accepted).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});

describe('describeIssues', () => {
  it('describes each zod issue code from the schema only', () => {
    const schema = z.object({
      a: z.number().int().multipleOf(5).lt(100),
      b: z.literal('x'),
      c: z.union([z.string(), z.number()]),
      d: z.strictObject({ k: z.string() }),
      e: z.string().startsWith('wf-'),
      f: z.string().email(),
      g: z.array(z.string()).length(2),
      h: z.string().refine(() => false, { message: `custom ${PLANTED}` }),
    });
    const r = schema.safeParse({ a: 101.5, b: 'y', c: true, d: { k: 'v', [PLANTED]: 1 }, e: 'zz', f: 'nope', g: ['a'], h: 'x' });
    expect(r.success).toBe(false);
    const issues = describeIssues(r.error!.issues);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'a', expected: 'an integer' },
        { path: 'b', expected: 'the value "x"' },
        { path: 'c', expected: 'a value matching one of the allowed shapes' },
        { path: 'd', expected: "no keys other than the schema's (1 unrecognized)" },
        { path: 'e', expected: 'a string starting with "wf-"' },
        { path: 'f', expected: 'a valid email' },
        { path: 'g', expected: 'a list of exactly 2 items' },
        { path: 'h', expected: 'a value that passes the custom check' },
      ]),
    );
    expect(JSON.stringify(issues)).not.toContain('PLANTED');
  });

  it('formats paths with dots and indices and cuts long segments', () => {
    expect(formatPath([])).toBe('(root)');
    expect(formatPath(['input', 'lines', 3, 'amount'])).toBe('input.lines[3].amount');
    expect(formatPath(['k'.repeat(100)])).toBe(`${'k'.repeat(64)}...`);
  });
});
