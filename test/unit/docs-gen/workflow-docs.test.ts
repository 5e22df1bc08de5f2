import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DOCS_FOLDER, docsDrift, generateWorkflowDocs, staleMessage } from '../../../lib/docs-gen/docs-sources.js';
import { parseEnvironments } from '../../../lib/config/environments.js';
import { renderWorkflowDocs } from '../../../lib/docs-gen/workflow-docs.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { runCliCaptured } from '../cli/cli-harness.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const environments = () => parseEnvironments((JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context['wardflow:environments']);

describe('the generated workflow docs', () => {
  it('are committed as the declarations and cdk.json make them now', async () => {
    const drift = docsDrift(await generateWorkflowDocs(), DEFAULT_DOCS_FOLDER);
    // The message is the fix: regenerate and commit.
    expect(drift.stale.length + drift.missing.length === 0 ? 'up to date' : staleMessage('docs/workflows', drift)).toBe('up to date');
  });

  it('are the same on every run: no clock, no order of chance', () => {
    const input = { workflows: [...WORKFLOWS].reverse(), environments: environments() };
    expect(renderWorkflowDocs(input)).toEqual(renderWorkflowDocs({ ...input, workflows: WORKFLOWS }));
  });

  it('count approvers per environment and never name them; keep a guards section; link the controls', async () => {
    // With the policy files read, as the committed pages are generated.
    const pages = await generateWorkflowDocs();
    const invoice = pages['invoice-approval.md']!;
    for (const address of ['finance-1-dev@example.com', 'finance-director-1@example.com', 'manager-1@example.com', 'vendor-master-1-dev@example.com', 'oncall@example.com']) {
      for (const page of Object.values(pages)) expect(page).not.toContain(address);
    }
    expect(invoice).toMatch(/\| prod \| prod \| `finance` 2, `managers` 1, `finance-directors` 3 \| 97 hours \(the longest route\)/);
    expect(invoice).toContain('## Guards\n\nNone declared.');
    expect(invoice).toContain('`payments-api-key` | `wardflow/<env>/invoice-approval/payments-api-key`');
    expect(invoice).toContain('at most 90 days (default)');
    expect(invoice).toContain('| `latency-pay-invoice` |');
    expect(invoice).toContain('(../architecture.md#the-ten-controls-and-where-each-lives)');
    // A runbook's <name> shows as text, not as an HTML tag that hides it.
    expect(invoice).toContain('wardflow status &lt;name&gt;');
    expect(pages['vendor-bank-details.md']).not.toContain('## Approval policy');
  });

  it('`wardflow docs --check` exits 1 naming each stale or missing page and the command to run; `docs --out` writes them', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'wardflow-docs-'));
    try {
      const missing = await runCliCaptured(['docs', '--check', '--out', folder]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('missing: README.md, invoice-approval.md, vendor-bank-details.md');
      expect(missing.stderr).toContain('Run `npm run wardflow -- docs` and commit the result.');
      const written = await runCliCaptured(['docs', '--out', folder, '--json']);
      expect(written.code).toBe(0);
      expect((JSON.parse(written.stdout) as { files: string[] }).files).toHaveLength(3);
      expect((await runCliCaptured(['docs', '--check', '--out', folder])).code).toBe(0);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
