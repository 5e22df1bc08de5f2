/**
 * Trains the prompt-injection guard's model and writes functions/shared/guards/injection-model.json
 * (`npm run train:guards`; `-- --check` trains and compares with the file instead of writing).
 *
 * Data: the vendored deepset prompt-injections and NotInject rows of the TRAIN split
 * (lib/guards-training/split.ts); NotInject rows are all benign, and training on some of them
 * teaches the model that trigger words alone ("ignore", "bypass") are not an attack. The EVAL
 * split is never read here: `npm run bench:guards` measures on it.
 *
 * Model: L2-regularised logistic regression over hashed character n-grams, fitted by full-batch
 * Adam from zero (deterministic: same data, same file). The hyper-parameters and the decision
 * threshold are chosen by 7-fold cross-validation inside the train split (the folds are the
 * split's buckets 0 to 6); each fold scores the pruned, quantised model through the guard's own
 * scorer, so the threshold is chosen on what the guard computes. Threshold rule: the highest F1
 * on deepset's out-of-fold rows with at most 2% of NotInject's out-of-fold rows flagged.
 *
 * Written here rather than with an ML package: a few dozen lines of arithmetic, and nothing of
 * it ships; the guard only reads the JSON.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type FeatureSpec, featureVector, normalise } from '../../functions/shared/guards/injection-features.js';
import { type InjectionModelFile, loadInjectionModel, scoreWith } from '../../functions/shared/guards/injection-scorer.js';
import { deepsetPromptInjections, notInjectPrompts } from '../../test/support/datasets.js';
import { bucketOf, splitOf } from './split.js';

const MODEL_PATH = fileURLToPath(new URL('../../functions/shared/guards/injection-model.json', import.meta.url));

export interface TrainingRow {
  text: string;
  label: 0 | 1;
  source: 'deepset' | 'notinject';
}

/** The train split of both datasets. */
export function trainingRows(): TrainingRow[] {
  const deepset = deepsetPromptInjections().map((row) => ({ text: row.text, label: row.label, source: 'deepset' as const }));
  const notInject = notInjectPrompts().map((row) => ({ text: row.prompt, label: 0 as const, source: 'notinject' as const }));
  return [...deepset, ...notInject].filter((row) => splitOf(row.text) === 'train');
}

export interface Config {
  features: FeatureSpec;
  lambda: number;
  /** How many weights the file keeps (largest magnitude first). */
  keep: number;
  /** How much a NotInject row counts next to a deepset row: over-defence costs more than one ordinary false positive. */
  notInjectWeight: number;
}

const WINDOW = { size: 512, stride: 256 };
const EPOCHS = 300;
const LEARNING_RATE = 0.05;
const MAX_NOTINJECT_FPR = 0.02;

/** The candidates cross-validation chooses among: with and without the hand-written rules, two regularisation strengths, NotInject weighted 1 or 2. */
const GRID: Config[] = [];
for (const rules of [false, true]) {
  for (const lambda of [3e-5, 1e-4]) {
    for (const notInjectWeight of [1, 2]) GRID.push({ features: { charMin: 2, charMax: 5, words: false, bucketBits: 20, rules }, lambda, keep: 6000, notInjectWeight });
  }
}

interface Fitted {
  bias: number;
  weights: Map<number, number>;
}

/** Weighted logistic regression (classes balanced), L2 on the weights, full-batch Adam from zero. */
export function fit(rows: readonly TrainingRow[], config: Config): Fitted {
  const vectors = rows.map((row) => featureVector(normalise(row.text).text, config.features));
  const index = new Map<number, number>();
  for (const vector of vectors) for (const bucket of vector.keys()) if (!index.has(bucket)) index.set(bucket, index.size);
  const sparse = vectors.map((vector) => {
    const entries = [...vector].map(([bucket, value]) => [index.get(bucket)!, value] as const);
    return { columns: Int32Array.from(entries.map((e) => e[0])), values: Float64Array.from(entries.map((e) => e[1])) };
  });
  const positives = rows.filter((row) => row.label === 1).length;
  const classWeight = [rows.length / (2 * Math.max(1, rows.length - positives)), rows.length / (2 * Math.max(1, positives))];
  const dims = index.size;
  const w = new Float64Array(dims);
  const m = new Float64Array(dims + 1);
  const v = new Float64Array(dims + 1);
  const gradient = new Float64Array(dims + 1);
  let bias = 0;
  const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-8];
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    gradient.fill(0);
    rows.forEach((row, i) => {
      const { columns, values } = sparse[i]!;
      let margin = bias;
      for (let k = 0; k < columns.length; k++) margin += w[columns[k]!]! * values[k]!;
      const rowWeight = classWeight[row.label]! * (row.source === 'notinject' ? config.notInjectWeight : 1);
      const error = (rowWeight * (1 / (1 + Math.exp(-margin)) - row.label)) / rows.length;
      for (let k = 0; k < columns.length; k++) gradient[columns[k]!]! += error * values[k]!;
      gradient[dims]! += error;
    });
    for (let j = 0; j <= dims; j++) {
      const g = j < dims ? gradient[j]! + config.lambda * w[j]! : gradient[j]!;
      m[j] = beta1 * m[j]! + (1 - beta1) * g;
      v[j] = beta2 * v[j]! + (1 - beta2) * g * g;
      const step = (LEARNING_RATE * (m[j]! / (1 - beta1 ** epoch))) / (Math.sqrt(v[j]! / (1 - beta2 ** epoch)) + epsilon);
      if (j < dims) w[j] = w[j]! - step;
      else bias -= step;
    }
  }
  const weights = new Map<number, number>();
  for (const [bucket, column] of index) weights.set(bucket, w[column]!);
  return { bias, weights };
}

/** The file form: the `keep` largest weights, quantised to integers in -127..127, buckets delta-encoded. */
export function toModelFile(fitted: Fitted, config: Config, threshold: number, training: Record<string, unknown>): InjectionModelFile & { training: Record<string, unknown> } {
  const kept = [...fitted.weights]
    .filter(([, weight]) => weight !== 0)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || a[0] - b[0])
    .slice(0, config.keep)
    .sort((a, b) => a[0] - b[0]);
  const largest = Math.max(...kept.map(([, weight]) => Math.abs(weight)), 1e-12);
  const scale = largest / 127;
  const buckets: number[] = [];
  const weights: number[] = [];
  let previous = 0;
  for (const [bucket, weight] of kept) {
    const quantised = Math.round(weight / scale);
    if (quantised === 0) continue;
    buckets.push(bucket - previous);
    weights.push(quantised);
    previous = bucket;
  }
  return { format: 'wardflow-injection-model/1', features: config.features, window: WINDOW, bias: round(fitted.bias), scale: Number(scale.toPrecision(8)), threshold: round(threshold), buckets, weights, training };
}

interface Metrics {
  precision: number;
  recall: number;
  f1: number;
  notInjectFpr: number;
}

function metricsAt(scored: readonly { row: TrainingRow; score: number }[], threshold: number): Metrics {
  let [tp, fp, fn, niFlagged, niTotal] = [0, 0, 0, 0, 0];
  for (const { row, score } of scored) {
    const flagged = score >= threshold;
    if (row.source === 'notinject') {
      niTotal += 1;
      if (flagged) niFlagged += 1;
      continue;
    }
    if (flagged && row.label === 1) tp += 1;
    else if (flagged) fp += 1;
    else if (row.label === 1) fn += 1;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), notInjectFpr: niTotal === 0 ? 0 : niFlagged / niTotal };
}

/** The threshold with the best deepset F1 among those flagging at most 2% of NotInject; the midpoint between neighbouring scores. */
export function chooseThreshold(scored: readonly { row: TrainingRow; score: number }[]): { threshold: number; metrics: Metrics } {
  const scores = [...new Set(scored.map((s) => s.score))].sort((a, b) => a - b);
  let best: { threshold: number; metrics: Metrics } | undefined;
  for (let i = 0; i < scores.length; i++) {
    const threshold = i === 0 ? scores[0]! : (scores[i - 1]! + scores[i]!) / 2;
    const metrics = metricsAt(scored, threshold);
    if (metrics.notInjectFpr > MAX_NOTINJECT_FPR) continue;
    if (!best || metrics.f1 > best.metrics.f1) best = { threshold, metrics };
  }
  return best ?? { threshold: 1, metrics: metricsAt(scored, 1) };
}

/** Out-of-fold scores: each fold (the rows' split bucket) scored by a model trained on the other six. */
export function crossValidate(rows: readonly TrainingRow[], config: Config): { row: TrainingRow; score: number }[] {
  const scored: { row: TrainingRow; score: number }[] = [];
  for (let fold = 0; fold <= 6; fold++) {
    const train = rows.filter((row) => bucketOf(row.text) !== fold);
    const held = rows.filter((row) => bucketOf(row.text) === fold);
    const model = loadInjectionModel(toModelFile(fit(train, config), config, 0.5, {}));
    for (const row of held) scored.push({ row, score: scoreWith(model, row.text).score });
  }
  return scored;
}

function round(value: number): number {
  return Number(value.toFixed(6));
}

function describe(config: Config): string {
  const f = config.features;
  return `char ${f.charMin}-${f.charMax}${f.words ? ' + words' : ''}${f.rules ? ' + rules' : ''}, lambda ${config.lambda}, NotInject weight ${config.notInjectWeight}, keep ${config.keep}`;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const rows = trainingRows();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`train split: ${rows.filter((r) => r.source === 'deepset').length} deepset rows (${rows.filter((r) => r.label === 1).length} injections), ${rows.filter((r) => r.source === 'notinject').length} NotInject rows`);
  let chosen: { config: Config; threshold: number; metrics: Metrics } | undefined;
  const results: Record<string, unknown>[] = [];
  for (const config of GRID) {
    const { threshold, metrics } = chooseThreshold(crossValidate(rows, config));
    log(`  ${describe(config)}: CV F1 ${metrics.f1.toFixed(3)} (P ${metrics.precision.toFixed(3)}, R ${metrics.recall.toFixed(3)}), NotInject FPR ${(metrics.notInjectFpr * 100).toFixed(1)}%, threshold ${threshold.toFixed(3)}`);
    results.push({ config: describe(config), f1: round(metrics.f1), notInjectFpr: round(metrics.notInjectFpr) });
    if (!chosen || metrics.f1 > chosen.metrics.f1) chosen = { config, threshold, metrics };
  }
  const { config, threshold, metrics } = chosen!;
  log(`chosen: ${describe(config)}`);
  const file = toModelFile(fit(rows, config), config, threshold, {
    command: 'npm run train:guards',
    data: 'train split (lib/guards-training/split.ts) of test/fixtures/datasets/deepset-prompt-injections and notinject',
    rows: rows.length,
    crossValidation: { folds: 7, chosen: describe(config), f1: round(metrics.f1), precision: round(metrics.precision), recall: round(metrics.recall), notInjectFpr: round(metrics.notInjectFpr), grid: results },
  });
  const text = `${JSON.stringify(file)}\n`;
  if (check) {
    const same = readFileSync(MODEL_PATH, 'utf8') === text;
    log(same ? 'injection-model.json is what this script trains.' : 'injection-model.json differs from what this script trains: run npm run train:guards and review the change.');
    process.exitCode = same ? 0 : 1;
    return;
  }
  writeFileSync(MODEL_PATH, text);
  log(`wrote ${MODEL_PATH} (${Buffer.byteLength(text)} bytes, ${file.weights.length} weights)`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
