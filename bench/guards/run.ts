/**
 * `npm run bench:guards`: the injection and PII guards next to the libraries of the field, on
 * the EVAL split of the vendored data (lib/guards-training/split.ts: the rows the injection
 * model was not trained on), in one run.
 *
 *   npm run bench:guards            tables on stdout, progress on stderr
 *   npm run bench:guards -- --json  the same results as one JSON document on stdout
 *
 * Prints numbers and exits 0; it never judges them. A library that cannot load or fails gets the
 * reason in its row instead of numbers. Needs no network.
 */
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { scoreInjection } from '../../functions/shared/guards/injection.js';
import { findPii } from '../../functions/shared/guards/pii.js';
import type { PiiKind, PiiSpan } from '../../functions/shared/guards/types.js';
import { renderTable } from '../../lib/shared/text-table.js';
import { splitOf } from '../../lib/guards-training/split.js';
import { deepsetPromptInjections, notInjectPrompts, presidioSyntheticPii } from '../../test/support/datasets.js';
import { type Contender, INJECTION_LIBRARIES, type InjectionDetector, PII_LIBRARIES, type PiiDetector } from './libraries.js';
import { type KindScore, type PiiCase, presidioCase, scorePii } from './pii-eval.js';
import { SECRETS_SEED, SECRETS_SENTENCES, syntheticSecretCases } from './secrets-synth.js';

const json = process.argv.includes('--json');
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

/** Latency is measured on documents of about 1 KB built from the eval texts, each scanned this many times. */
const LATENCY_DOCUMENTS = 200;
const LATENCY_REPEATS = 3;
const PRESIDIO_KINDS: readonly PiiKind[] = ['EMAIL', 'PHONE', 'CARD', 'IBAN', 'IP', 'NATIONAL_ID'];
const SECRET_KINDS: readonly PiiKind[] = ['AWS_KEY', 'JWT', 'PRIVATE_KEY'];

interface Latency {
  p50MsPerKb: number;
  p99MsPerKb: number;
}

interface InjectionRow extends Partial<Latency> {
  name: string;
  setting: string;
  precision?: number;
  recall?: number;
  f1?: number;
  fprDeepsetBenign?: number;
  fprNotInject?: number;
  error?: string;
}

interface PiiRow extends Partial<Latency> {
  name: string;
  setting: string;
  presidio?: KindScore[];
  secrets?: KindScore[];
  error?: string;
}

const deepsetEval = deepsetPromptInjections().filter((row) => splitOf(row.text) === 'eval');
const notInjectEval = notInjectPrompts().filter((row) => splitOf(row.prompt) === 'eval');
const presidioEval = presidioSyntheticPii()
  .filter((row) => splitOf(row.full_text) === 'eval')
  .map(presidioCase);
const secretCases = syntheticSecretCases();

const ours: { injection: Contender<InjectionDetector>; pii: Contender<PiiDetector> } = {
  injection: {
    name: 'wardflow scoreInjection',
    setting: 'functions/shared/guards/injection-model.json, its threshold',
    load: async () => async (text) => scoreInjection(text),
  },
  pii: {
    name: 'wardflow findPii',
    setting: 'functions/shared/guards/pii.ts, all kinds',
    load: async () => async (text) => findPii(text),
  },
};

async function main(): Promise<void> {
  progress(
    `eval split: ${deepsetEval.length} deepset rows (${deepsetEval.filter((r) => r.label === 1).length} injections), ${notInjectEval.length} NotInject rows, ${presidioEval.length} presidio sentences; ${secretCases.length} generated secret sentences (seed ${SECRETS_SEED})`,
  );
  const injectionDocuments = documentsOfAboutOneKb([...deepsetEval.map((r) => r.text), ...notInjectEval.map((r) => r.prompt)]);
  const piiDocuments = documentsOfAboutOneKb(presidioEval.map((c) => c.text));

  const injection: InjectionRow[] = [];
  for (const contender of [ours.injection, ...INJECTION_LIBRARIES]) {
    progress(`injection: ${contender.name} ...`);
    injection.push(await measureInjection(contender, injectionDocuments));
  }
  const pii: PiiRow[] = [];
  for (const contender of [ours.pii, ...PII_LIBRARIES]) {
    progress(`pii: ${contender.name} ...`);
    pii.push(await measurePii(contender, piiDocuments));
  }

  const machine = { node: process.version, cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: availableParallelism(), date: new Date().toISOString().slice(0, 10) };
  if (json) {
    process.stdout.write(`${JSON.stringify({ machine, split: splitSizes(), latency: { documents: LATENCY_DOCUMENTS, repeats: LATENCY_REPEATS }, injection, pii }, null, 2)}\n`);
    return;
  }
  const lines = [
    `Guards bench, ${machine.date}, Node ${machine.node}, ${machine.cpu} (${machine.cores} cores)`,
    `Eval split only (lib/guards-training/split.ts): ${splitSizes().text}`,
    '',
    'Prompt injection (deepset eval: precision, recall, F1, FPR on its benign rows; NotInject eval: FPR, every row benign)',
    ...renderTable(
      ['detector', 'precision', 'recall', 'F1', 'FPR deepset', 'FPR NotInject', 'p50 ms/KB', 'p99 ms/KB'],
      injection.map((row) =>
        row.error !== undefined
          ? [row.name, 'failed, see below']
          : [row.name, fixed(row.precision), fixed(row.recall), fixed(row.f1), percent(row.fprDeepsetBenign), percent(row.fprNotInject), fixed(row.p50MsPerKb), fixed(row.p99MsPerKb)],
      ),
    ),
    '',
    'PII on presidio eval (precision / recall per kind; a found span counts when it overlaps an expected span of the same kind)',
    ...renderTable(
      ['detector', ...PRESIDIO_KINDS, 'p50 ms/KB', 'p99 ms/KB'],
      pii.map((row) => (row.error !== undefined ? [row.name, 'failed, see below'] : [row.name, ...row.presidio!.map(precisionRecall), fixed(row.p50MsPerKb), fixed(row.p99MsPerKb)])),
    ),
    `expected spans: ${pii.find((row) => row.presidio)?.presidio?.map((s) => `${s.kind} ${s.expected}`).join(', ') ?? '-'}`,
    '',
    `Secrets on ${SECRETS_SENTENCES} generated sentences (seed ${SECRETS_SEED}; made by bench/guards/secrets-synth.ts, with same-shaped distractors; presidio has none)`,
    ...renderTable(
      ['detector', ...SECRET_KINDS],
      pii.map((row) => (row.error !== undefined ? [row.name, 'failed, see below'] : [row.name, ...row.secrets!.map((s) => (s.found === 0 && s.recalled === 0 ? 'not a kind it finds' : precisionRecall(s)))])),
    ),
    '',
    ...[...injection, ...pii].filter((row) => row.error !== undefined).map((row) => `${row.name} failed: ${row.error}`),
    'Settings:',
    ...[...injection, ...pii].map((row) => `  ${row.name}: ${row.setting}`),
    `Latency: ${LATENCY_DOCUMENTS} documents of about 1 KB made of eval texts, each scanned ${LATENCY_REPEATS} times after a warm-up pass, time per call divided by the document's size in KB.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function measureInjection(contender: Contender<InjectionDetector>, documents: readonly string[]): Promise<InjectionRow> {
  const row: InjectionRow = { name: contender.name, setting: contender.setting };
  try {
    const detect = await contender.load();
    let [tp, fp, fn, benign, niFlagged] = [0, 0, 0, 0, 0];
    for (const { text, label } of deepsetEval) {
      const { flagged } = await detect(text);
      if (label === 1) flagged ? (tp += 1) : (fn += 1);
      else {
        benign += 1;
        if (flagged) fp += 1;
      }
    }
    for (const { prompt } of notInjectEval) if ((await detect(prompt)).flagged) niFlagged += 1;
    row.precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    row.recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    row.f1 = row.precision + row.recall === 0 ? 0 : (2 * row.precision * row.recall) / (row.precision + row.recall);
    row.fprDeepsetBenign = fp / benign;
    row.fprNotInject = niFlagged / notInjectEval.length;
    Object.assign(row, await latency(documents, detect));
  } catch (error) {
    row.error = reason(error);
  }
  return row;
}

async function measurePii(contender: Contender<PiiDetector>, documents: readonly string[]): Promise<PiiRow> {
  const row: PiiRow = { name: contender.name, setting: contender.setting };
  try {
    const detect = await contender.load();
    row.presidio = scorePii(await found(presidioEval, detect), (text) => cache.get(text) ?? [], PRESIDIO_KINDS);
    row.secrets = scorePii(await found(secretCases, detect), (text) => cache.get(text) ?? [], SECRET_KINDS);
    Object.assign(row, await latency(documents, detect));
  } catch (error) {
    row.error = reason(error);
  }
  return row;
}

/** The detector's spans for each case, computed before scoring (the scorer is synchronous, some libraries are not). */
const cache = new Map<string, PiiSpan[]>();
async function found(cases: readonly PiiCase[], detect: PiiDetector): Promise<PiiCase[]> {
  cache.clear();
  for (const { text } of cases) cache.set(text, await detect(text));
  return [...cases];
}

/** Documents of at least 1 KB (UTF-8), each joining consecutive texts from a different starting row. */
function documentsOfAboutOneKb(texts: readonly string[]): string[] {
  const documents: string[] = [];
  for (let i = 0; i < LATENCY_DOCUMENTS; i++) {
    let document = '';
    for (let k = (i * 7) % texts.length; Buffer.byteLength(document) < 1024; k = (k + 1) % texts.length) document += `${texts[k]}\n`;
    documents.push(document);
  }
  return documents;
}

async function latency(documents: readonly string[], detect: (text: string) => Promise<unknown>): Promise<Latency> {
  for (const document of documents) await detect(document);
  const perKb: number[] = [];
  for (let repeat = 0; repeat < LATENCY_REPEATS; repeat++) {
    for (const document of documents) {
      const started = performance.now();
      await detect(document);
      perKb.push((performance.now() - started) / (Buffer.byteLength(document) / 1024));
    }
  }
  perKb.sort((a, b) => a - b);
  const at = (q: number) => perKb[Math.min(perKb.length - 1, Math.floor(q * perKb.length))]!;
  return { p50MsPerKb: at(0.5), p99MsPerKb: at(0.99) };
}

function splitSizes() {
  const injections = deepsetEval.filter((r) => r.label === 1).length;
  return {
    deepset: { rows: deepsetEval.length, injections },
    notInject: notInjectEval.length,
    presidio: presidioEval.length,
    text: `deepset ${deepsetEval.length} rows (${injections} injections), NotInject ${notInjectEval.length} rows, presidio ${presidioEval.length} sentences`,
  };
}

function reason(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n')[0]!.slice(0, 160);
}

function fixed(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '-' : value.toFixed(3);
}

function percent(value: number | undefined): string {
  return value === undefined ? '-' : `${(value * 100).toFixed(1)}%`;
}

function precisionRecall(score: KindScore): string {
  return `${fixed(score.precision)} / ${fixed(score.recall)}`;
}

await main();
