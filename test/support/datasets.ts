import { readFileSync } from 'node:fs';

/** The vendored datasets (test/fixtures/datasets, with their licences), by path inside the repository. */
const folder = new URL('../fixtures/datasets/', import.meta.url);

/** The Big List of Naughty Strings: 515 strings that often break input handling. */
export function naughtyStrings(): string[] {
  return JSON.parse(readFileSync(new URL('blns/blns.json', folder), 'utf8')) as string[];
}

/** PayloadsAllTheThings' cross-site-scripting payloads, one per line, empty lines dropped. */
export function xssPayloads(): string[] {
  return readFileSync(new URL('xss-payloads/IntrudersXSS.txt', folder), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

/** One labelled prompt of deepset/prompt-injections: label 1 is an injection, 0 an ordinary request. */
export interface LabelledPrompt {
  text: string;
  label: 0 | 1;
  upstream_split: 'train' | 'test';
}

/** deepset/prompt-injections (the 478 rows not held out upstream), in upstream order. */
export function deepsetPromptInjections(): LabelledPrompt[] {
  return readFileSync(new URL('deepset-prompt-injections/prompt_injections.jsonl', folder), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabelledPrompt);
}

/** One NotInject row: a benign prompt that contains words common in injections. */
export interface NotInjectPrompt {
  prompt: string;
  word_list: string[];
  category: string;
  /** Which file it came from: how many trigger words the prompt has (1, 2 or 3). */
  triggerWords: 1 | 2 | 3;
}

/** NotInject (the 237 rows not held out upstream): every row is benign, for the over-defence rate. */
export function notInjectPrompts(): NotInjectPrompt[] {
  const files = [
    ['one', 1],
    ['two', 2],
    ['three', 3],
  ] as const;
  return files.flatMap(([name, triggerWords]) =>
    (JSON.parse(readFileSync(new URL(`notinject/NotInject_${name}.json`, folder), 'utf8')) as Omit<NotInjectPrompt, 'triggerWords'>[]).map((row) => ({ ...row, triggerWords })),
  );
}

/** One labelled span of presidio's synthetic PII: offsets as the source gives them (Unicode code points, end exclusive). */
export interface PresidioSpan {
  entity_type: string;
  entity_value: string;
  start_position: number;
  end_position: number;
}

export interface PresidioSentence {
  full_text: string;
  masked: string;
  spans: PresidioSpan[];
  template_id: number;
}

/** presidio-research's synthetic PII sentences (the 1,036 not held out upstream). */
export function presidioSyntheticPii(): PresidioSentence[] {
  return JSON.parse(readFileSync(new URL('presidio-synth-pii/synth_dataset_v2.json', folder), 'utf8')) as PresidioSentence[];
}
