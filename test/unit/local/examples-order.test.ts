import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Example, exampleKey, loadWorkflowExamples, orderByAfter } from '../../../lib/local/runtime/app/examples.js';

const example = (workflow: string, file: string, after?: string): Example => ({
  workflow,
  file,
  name: file.replace(/\.json$/, ''),
  input: '{}',
  expected: { outcome: 'succeeded-approved', ...(after === undefined ? {} : { after }) },
});

describe('examples that run after another', () => {
  it('puts every example after the one it names, and keeps the given order otherwise', () => {
    const ordered = orderByAfter([
      example('invoice-approval', 'a.json'),
      example('invoice-approval', 'b.json', 'vendor-bank-details/z.json'),
      example('invoice-approval', 'c.json'),
      example('vendor-bank-details', 'y.json'),
      example('vendor-bank-details', 'z.json'),
    ]);
    expect(ordered.map(exampleKey)).toEqual([
      'invoice-approval/a.json',
      'vendor-bank-details/z.json',
      'invoice-approval/b.json',
      'invoice-approval/c.json',
      'vendor-bank-details/y.json',
    ]);
  });

  it('refuses an "after" that names no example, saying which', () => {
    expect(() => orderByAfter([example('invoice-approval', 'a.json', 'vendor-bank-details/nope.json')])).toThrow(
      /example invoice-approval\/a\.json runs after "vendor-bank-details\/nope\.json", which is not an example of any workflow/,
    );
  });

  it('refuses a cycle, naming it, and an example that waits for itself', () => {
    expect(() => orderByAfter([example('w', 'a.json', 'w/b.json'), example('w', 'b.json', 'w/a.json')])).toThrow(/in a cycle: w\/a\.json -> w\/b\.json -> w\/a\.json/);
    expect(() => orderByAfter([example('w', 'a.json', 'w/a.json')])).toThrow(/in a cycle: w\/a\.json -> w\/a\.json/);
  });

  it('reads "after" from expected.json and refuses one that is not <workflow>/<file>.json', () => {
    const root = mkdtempSync(join(tmpdir(), 'wardflow-examples-'));
    mkdirSync(join(root, 'w'));
    writeFileSync(join(root, 'w', 'a.json'), '{}');
    writeFileSync(join(root, 'w', 'expected.json'), JSON.stringify({ 'a.json': { outcome: 'x', after: '../etc/passwd' } }));
    expect(() => loadWorkflowExamples([{ name: 'w', examples: 'w' }], root)).toThrow(/<workflow>\/<file>\.json/);
  });

  it('orders the shipped examples so the invoices that rely on the register come after the bank change that fills it', () => {
    const keys = loadWorkflowExamples().map(exampleKey);
    const acme = keys.indexOf('vendor-bank-details/bank-change-acme.json');
    expect(acme).toBeGreaterThanOrEqual(0);
    for (const invoice of ['invoice-small.json', 'invoice-changed-iban.json', 'invoice-planted-secrets.json']) {
      expect(keys.indexOf(`invoice-approval/${invoice}`), invoice).toBeGreaterThan(acme);
    }
  });
});
