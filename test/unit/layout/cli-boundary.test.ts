import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url).pathname;
const CLI = join(ROOT, 'lib', 'cli');

/** Only bin/ starts the CLI (and tests test it); every other part of the product sits below it. */
const BELOW_THE_CLI = ['lib', 'functions', 'statemachines', 'bench'];

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => !file.split(sep).includes('node_modules'));
}

/** Every module specifier a file names: static and type imports, re-exports, import() and require(). */
function specifiers(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((imported) => imported.fileName);
}

function reachesCli(file: string, specifier: string): boolean {
  if (!specifier.startsWith('.')) return false;
  const target = resolve(dirname(file), specifier);
  return target === CLI || target.startsWith(CLI + sep);
}

describe('the CLI boundary', () => {
  it('nothing outside lib/cli, bin/ and the tests imports lib/cli', () => {
    const files = BELOW_THE_CLI.flatMap((folder) => sourceFiles(join(ROOT, folder))).filter((file) => !file.startsWith(CLI + sep));
    expect(files).toContain(join(ROOT, 'lib', 'audit', 'export-report.ts'));
    const crossings = files.flatMap((file) => specifiers(file).filter((specifier) => reachesCli(file, specifier)).map((specifier) => `${relative(ROOT, file)} imports ${specifier}`));
    expect(crossings).toEqual([]);
  });

  it('the scan sees the imports it looks for', () => {
    const file = join(ROOT, 'lib', 'audit', 'example.ts');
    const found = ts.preProcessFile(
      "import { a } from '../cli/errors.js';\nimport type { B } from '../cli/main.js';\nexport { c } from '../cli/io.js';\nconst d = await import('../cli/table.js');\nimport { e } from '../shared/errors.js';",
      true,
      true,
    ).importedFiles.map((imported) => imported.fileName);
    expect(found.filter((specifier) => reachesCli(file, specifier))).toEqual(['../cli/errors.js', '../cli/main.js', '../cli/io.js', '../cli/table.js']);
  });
});
