import * as z from 'zod';
import type { ValidationIssue } from './errors.js';

/**
 * What an execution's input says about its data, in the platform-reserved optional input field
 * `classification`: `synthetic` (made up: examples, tests, demos) or `real` (about real people, money,
 * vendors). Every workflow's input accepts it without declaring it (lib/workflows/input-schema.ts adds it
 * to record-start's JSON Schema, lib/cli/workflows.ts to `wardflow start`'s check).
 *
 * Why it exists: a dev environment is built to be looked at, reset and shared (looser approvers, DEBUG
 * logs, short audit retention, deleted with its data), so it must never hold real data. Only a prod
 * environment (tier `prod`, lib/config/environments.ts) takes input marked `real`; anywhere else
 * record-start refuses it as bad input, before anything is written (see refuseRealDataOutsideProd).
 * Unmarked input is taken as it always was: the mark is how a caller who knows says so.
 */
export const INPUT_CLASSIFICATIONS = ['synthetic', 'real'] as const;
export type InputClassification = (typeof INPUT_CLASSIFICATIONS)[number];

/** The reserved field's name in an execution input. */
export const CLASSIFICATION_FIELD = 'classification';

/** The reserved field's schema; its value is one of two words, so it is safe to keep in clear. */
export const InputClassification = z.enum(INPUT_CLASSIFICATIONS);

/** The variable naming the environment's tier (`dev`, `prod`), set by CDK on record-start. */
export const ENVIRONMENT_TIER_VARIABLE = 'ENVIRONMENT_TIER';

/**
 * The issue to refuse an input with, or undefined when it may run: an input marked `real` in an
 * environment whose tier is not `prod`. A missing or unknown tier counts as not prod (fail closed).
 *
 * @example
 * refuseRealDataOutsideProd('real', 'dev'); // { path: 'input.classification', expected: '"synthetic" ...' }
 * refuseRealDataOutsideProd('real', 'prod'); // undefined
 */
export function refuseRealDataOutsideProd(classification: InputClassification | undefined, tier: string | undefined): ValidationIssue | undefined {
  if (classification !== 'real' || tier === 'prod') return undefined;
  return {
    path: `input.${CLASSIFICATION_FIELD}`,
    expected: `"synthetic" or nothing: this environment (tier ${tier === 'dev' ? 'dev' : 'not prod'}) refuses input marked as real data; start it in a prod environment, or use synthetic data`,
  };
}
