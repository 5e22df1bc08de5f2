import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_DOCS_FOLDER, docsDrift, generateWorkflowDocs, staleMessage } from '../../docs-gen/docs-sources.js';
import { type CliIo, printJson } from '../io.js';
import type { CommandLine } from '../options.js';

/**
 * `wardflow docs [--out DIR] [--check]`: writes one Markdown page per workflow of this checkout
 * (statemachines/index.ts) and their index, generated from the declarations and cdk.json, to
 * docs/workflows (or DIR). The pages hold no timestamp, so a run that changes nothing writes the
 * same bytes. With --check nothing is written: exit 1 naming each page that is stale or missing.
 * Needs neither AWS nor the local runtime.
 *
 * @example
 * await docsCommand(parseCommandLine(['docs', '--check']), io);
 */
export async function docsCommand(line: CommandLine, io: CliIo): Promise<number> {
  const folder = path.resolve(line.docs?.out ?? DEFAULT_DOCS_FOLDER);
  const pages = await generateWorkflowDocs();
  const files = Object.keys(pages).map((file) => path.join(folder, file));
  if (line.docs?.check === true) {
    const drift = docsDrift(pages, folder);
    const outdated = [...drift.stale, ...drift.missing].sort();
    if (line.json) printJson(io, { folder, upToDate: outdated.length === 0, stale: drift.stale, missing: drift.missing });
    else if (outdated.length === 0) io.out(`The workflow docs in ${folder} are up to date (${files.length} pages).`);
    if (outdated.length > 0) io.err(`wardflow: ${staleMessage(folder, drift)}`);
    return outdated.length === 0 ? 0 : 1;
  }
  mkdirSync(folder, { recursive: true });
  for (const [file, content] of Object.entries(pages)) writeFileSync(path.join(folder, file), content);
  if (line.json) printJson(io, { folder, files });
  else for (const file of files) io.out(file);
  return 0;
}
