import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { ENVIRONMENTS_CONTEXT_KEY, parseEnvironments } from '../config/environments.js';
import type { AnyWorkflow } from '../workflows/workflow-definition.js';
import { DOCS_COMMAND, renderWorkflowDocs, WORKFLOW_DOCS_FOLDER, type WorkflowSources } from './workflow-docs.js';

/** The repository root of this checkout: the pages describe its declarations and its cdk.json. */
export const REPOSITORY_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/**
 * The pages of docs/workflows as this checkout's declarations and cdk.json make them: the app's
 * workflows (statemachines/index.ts), every environment of cdk.json, and what each workflow keeps
 * beside its declaration under statemachines/<name>/ (README.md, policy.json). Reads files; the
 * rendering itself is pure ({@link renderWorkflowDocs}).
 *
 * @example
 * const pages = await generateWorkflowDocs(); // { 'invoice-approval.md': '...', 'README.md': '...' }
 */
export async function generateWorkflowDocs(root = REPOSITORY_ROOT, workflows?: readonly AnyWorkflow[]): Promise<Record<string, string>> {
  // Loaded here, not at the top: the declarations build Step Functions states with aws-cdk-lib, which only this command needs.
  const declared = workflows ?? (await import('../../statemachines/index.js')).WORKFLOWS;
  const environments = parseEnvironments(readContext(root)[ENVIRONMENTS_CONTEXT_KEY]);
  const sources: Record<string, WorkflowSources> = {};
  for (const workflow of declared) {
    const folder = `statemachines/${workflow.name}`;
    const has = (file: string) => existsSync(path.join(root, folder, file));
    const policyPath = `${folder}/policy.json`;
    sources[workflow.name] = {
      ...(has('workflow.ts') ? { definitionPath: `${folder}/workflow.ts` } : {}),
      ...(has('README.md') ? { readmePath: `${folder}/README.md` } : {}),
      ...(has('policy.json') ? { policy: { path: policyPath, content: readJson(root, policyPath) } } : {}),
      gatePolicies: gatePoliciesOf(workflow),
    };
  }
  return renderWorkflowDocs({ workflows: declared, environments, sources });
}

/** Each policy gate's policy file, parsed; a file that cannot be read or parsed is left out (synth refuses it with the reason). */
function gatePoliciesOf(workflow: AnyWorkflow): Record<string, unknown> {
  const policies: Record<string, unknown> = {};
  for (const [key, gate] of Object.entries(workflow.gates ?? {})) {
    if (gate.policy === undefined) continue;
    try {
      policies[key] = JSON.parse(readFileSync(gate.policy.file, 'utf8'));
    } catch {
      // Shown as "refused at synth" on the page.
    }
  }
  return policies;
}

/** Pages whose file in a folder differs from what the declarations make now, and pages with no file yet. */
export interface DocsDrift {
  stale: string[];
  missing: string[];
}

/**
 * Compares generated pages with a folder's files.
 *
 * @example
 * const drift = docsDrift(pages, path.join(REPOSITORY_ROOT, WORKFLOW_DOCS_FOLDER));
 */
export function docsDrift(pages: Readonly<Record<string, string>>, folder: string): DocsDrift {
  const drift: DocsDrift = { stale: [], missing: [] };
  for (const [file, content] of Object.entries(pages)) {
    const target = path.join(folder, file);
    if (!existsSync(target)) drift.missing.push(file);
    else if (readFileSync(target, 'utf8') !== content) drift.stale.push(file);
  }
  return { stale: drift.stale.sort(), missing: drift.missing.sort() };
}

/**
 * What is out of date and the command that brings it up to date; the staleness test says the same.
 *
 * @example
 * staleMessage('docs/workflows', { stale: ['invoice-approval.md'], missing: [] });
 */
export function staleMessage(folder: string, drift: { stale: readonly string[]; missing: readonly string[] }): string {
  const parts = [
    ...(drift.stale.length > 0 ? [`stale: ${drift.stale.join(', ')}`] : []),
    ...(drift.missing.length > 0 ? [`missing: ${drift.missing.join(', ')}`] : []),
  ];
  return `the workflow docs in ${folder} do not match the workflow declarations and cdk.json (${parts.join('; ')}). Run \`${DOCS_COMMAND}\` and commit the result.`;
}

/** The default output folder: docs/workflows of this checkout, wherever the command runs from. */
export const DEFAULT_DOCS_FOLDER = path.join(REPOSITORY_ROOT, WORKFLOW_DOCS_FOLDER);

function readContext(root: string): Record<string, unknown> {
  const cdk = readJson(root, 'cdk.json') as { context?: Record<string, unknown> } | null;
  return cdk?.context ?? {};
}

function readJson(root: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(path.join(root, file), 'utf8');
  } catch {
    throw new ConfigurationInvalid(`${file} cannot be read`);
  }
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's message may quote the file: its name is enough.
    throw new ConfigurationInvalid(`${file} is not valid JSON; fix its syntax`);
  }
}
