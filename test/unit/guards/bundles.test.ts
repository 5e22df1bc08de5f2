import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { esbuildOptionsFor, REPOSITORY_ROOT } from '../../../bench/cdk-bundling.js';
import { HANDLER_BUNDLING } from '../../../lib/constructs/handler-function.js';

// The guards' code: what a step that declares no guards must not carry (issue 12 keeps cold starts lean).
const GUARD_CODE = ['functions/shared/guards/injection.ts', 'functions/shared/guards/pii.ts', 'functions/shared/guards/grounding.ts', 'functions/shared/guards/placeholders.ts', 'functions/shared/middleware/guards.ts', 'functions/shared/models/guardrail.ts'];

/** The bytes each of GUARD_CODE adds to a handler bundled as CDK bundles it (in memory). */
async function guardBytes(contents: string): Promise<Record<string, number>> {
  const { metafile } = await build({
    ...esbuildOptionsFor(HANDLER_BUNDLING),
    stdin: { contents, resolveDir: path.join(REPOSITORY_ROOT, 'functions/workflows'), sourcefile: 'handler.ts', loader: 'ts' },
    outfile: path.join(REPOSITORY_ROOT, 'cdk.out/guards-bundle-test/index.mjs'),
    sourcemap: false,
    write: false,
    metafile: true,
  });
  const inputs = Object.values(metafile.outputs).find((output) => output.entryPoint !== undefined)!.inputs;
  return Object.fromEntries(GUARD_CODE.map((file) => [file, inputs[file]?.bytesInOutput ?? 0]));
}

const step = (guards: string) => `import * as z from 'zod';
import { defineStep, needsHuman } from '#wardflow/step';
${guards ? "import { stepGuards } from '#wardflow/guards';" : ''}
export const handler = defineStep({ name: 'tmp', input: z.object({ text: z.string() }), output: z.object({ human: z.boolean() })${guards} }, async () => ({ human: needsHuman([]) }));
`;

describe('bundles', () => {
  it('a step without guards (even one reading needsHuman) bundles none of the guards; a step with guards does', async () => {
    const without = await guardBytes(step(''));
    expect(Object.values(without).every((bytes) => bytes === 0), JSON.stringify(without)).toBe(true);
    const withGuards = await guardBytes(step(", guards: stepGuards({ untrusted: ['text'] })"));
    for (const file of GUARD_CODE) expect(withGuards[file], file).toBeGreaterThan(0);
  }, 60_000);
});
