import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PLATFORM_ALARMS, workflowAlarms } from '../../../lib/operations/alarm-catalog.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { expenseClaim } from '../../fixtures/workflows/expense-claim/workflow.js';

/**
 * docs/operations.md explains every alarm of the catalog (lib/operations/alarm-catalog.ts): a key
 * added there without a line here fails. Per-step latency alarms are documented once, as
 * `latency-<step>`.
 */
const page = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
const documented = (key: string) => page.includes(`\`${key.startsWith('latency-') ? 'latency-<step>' : key}\``);

describe('docs/operations.md', () => {
  it.each(PLATFORM_ALARMS.map((spec) => spec.key))('explains the platform alarm %s', (key) => {
    expect(documented(key)).toBe(true);
  });

  it.each([...WORKFLOWS, expenseClaim].flatMap((workflow) => workflowAlarms(workflow).map((spec) => [workflow.name, spec.key] as const)))('explains the alarm %s %s', (_workflow, key) => {
    expect(documented(key)).toBe(true);
  });

  it('is linked from the README and the architecture', () => {
    for (const file of ['../../../README.md', '../../../docs/architecture.md']) {
      expect(readFileSync(new URL(file, import.meta.url), 'utf8'), file).toContain('operations.md');
    }
  });
});
