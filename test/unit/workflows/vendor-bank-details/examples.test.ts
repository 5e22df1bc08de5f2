import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ValidationFailed } from '../../../../functions/shared/errors.js';
import { SourceLabel } from '../../../../functions/shared/source-label.js';
import {
  BANK_DETAILS_MAX_TOKENS,
  BANK_DETAILS_SYSTEM_PROMPT,
  parseModelBankDetails,
} from '../../../../functions/workflows/vendor-bank-details/domain/bank-details-request.js';
import { checkLetterGrounding } from '../../../../functions/workflows/vendor-bank-details/domain/letter-grounding.js';
import { BankChangeLetter, MAX_LETTER_TEXT_BYTES, MAX_LETTER_TEXT_CHARS } from '../../../../functions/workflows/vendor-bank-details/domain/letter.js';
import { LocalBankLetterParserGateway } from '../../../../functions/workflows/vendor-bank-details/domain/local-letter-parser.js';

const FOLDER = new URL('../../../../statemachines/vendor-bank-details/examples/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, FOLDER), 'utf8');

/** The format of examples/expected.json, as lib/local/runtime/examples.ts reads it. */
const Expected = z.record(z.string(), z.strictObject({ approver: z.enum(['approve', 'reject']).optional(), outcome: z.string() }));
const expected = Expected.parse(JSON.parse(read('expected.json')));
const files = readdirSync(FOLDER).filter((file) => file.endsWith('.json') && file !== 'expected.json').sort();

/** What the local parser makes of an example, through the same calls the extract and check steps make. */
async function run(file: string) {
  const { letterText } = BankChangeLetter.parse(JSON.parse(read(file)));
  const answer = await new LocalBankLetterParserGateway().converse({
    modelId: 'local.stand-in',
    system: BANK_DETAILS_SYSTEM_PROMPT,
    prompt: letterText,
    maxTokens: BANK_DETAILS_MAX_TOKENS,
  });
  return { letterText, answer: answer.text };
}

/** The oracle for the IBANs the examples were built with: MOD 97-10 on one BigInt. */
const oracleValid = (iban: string) =>
  BigInt([...(iban.slice(4) + iban.slice(0, 4))].map((c) => (/[0-9]/.test(c) ? c : String(c.charCodeAt(0) - 55))).join('')) % 97n === 1n;

describe('vendor-bank-details examples', () => {
  it('lists every example file in expected.json, and nothing else', () => {
    expect(Object.keys(expected).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it('asks the approver exactly for the letters that reach the gate', () => {
    for (const [file, { approver, outcome }] of Object.entries(expected)) {
      const reachesGate = outcome === 'succeeded-approved' || outcome === 'failed-rejected';
      expect(approver !== undefined, file).toBe(reachesGate);
      if (outcome === 'succeeded-approved') expect(approver, file).toBe('approve');
      if (outcome === 'failed-rejected') expect(approver, file).toBe('reject');
    }
  });

  it.each(files)('%s is a valid execution input, labelled by its own name', (file) => {
    const input = BankChangeLetter.parse(JSON.parse(read(file)));
    expect(input.source).toBe(`examples/${file}`);
    expect(SourceLabel.safeParse(input.source).success).toBe(true);
    expect(input.letterText.length).toBeLessThan(MAX_LETTER_TEXT_CHARS);
  });

  it.each(files.filter((file) => expected[file]!.approver !== undefined))(
    '%s is read into a valid request whose every value occurs in the letter, so it reaches the vendor-master approval',
    async (file) => {
      const { letterText, answer } = await run(file);
      const request = parseModelBankDetails(answer);
      expect(oracleValid(request.iban)).toBe(true);
      expect(checkLetterGrounding(request, letterText)).toEqual({ grounded: true, ungrounded: [] });
    },
  );

  it('reads exactly what the valid and the suspicious letters say', async () => {
    expect(parseModelBankDetails((await run('bank-change-valid.json')).answer)).toEqual({
      vendor: 'Vandelay Industries GmbH',
      iban: 'DE60987654321012345678',
      effectiveDate: '2027-01-15',
    });
    expect(parseModelBankDetails((await run('bank-change-suspicious.json')).answer)).toEqual({
      vendor: 'Kramerica Industries GmbH',
      iban: 'NL05ZBNK0417190386',
      effectiveDate: '2026-12-03',
    });
  });

  it.each([
    ['bank-change-bad-checksum.json', [{ path: 'iban', expected: 'an IBAN whose check digits match the account number (ISO 7064 MOD 97-10)' }]],
    ['bank-change-no-date.json', [{ path: 'effectiveDate', expected: 'a string' }]],
  ])('%s fails validation of the model output, naming %j', async (file, issues) => {
    expect(expected[file]!.outcome).toBe('failed-validation');
    const { answer } = await run(file);
    let thrown: unknown;
    try {
      parseModelBankDetails(answer);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationFailed);
    expect((thrown as ValidationFailed).source).toBe('model output');
    expect((thrown as ValidationFailed).issues).toEqual(issues);
  });

  it('covers every failed-validation example with a test above', () => {
    const failing = files.filter((file) => expected[file]!.outcome === 'failed-validation').sort();
    expect(failing).toEqual(['bank-change-bad-checksum.json', 'bank-change-no-date.json']);
  });

  it('builds the bad-checksum IBAN from a valid one by one check digit, by the oracle', async () => {
    const { answer } = await run('bank-change-bad-checksum.json');
    const iban = (JSON.parse(answer) as { iban: string }).iban;
    expect(iban).toBe('DE03987654321087654321');
    expect(oracleValid(iban)).toBe(false);
    expect(oracleValid(`DE02${iban.slice(4)}`)).toBe(true);
  });

  it('describes every example, with its outcome, in the README', () => {
    const readme = read('README.md');
    for (const [file, { outcome }] of Object.entries(expected)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${file}\``));
      expect(row, file).toBeDefined();
      expect(row).toContain(`\`${outcome}\``);
    }
  });
});

describe('BankChangeLetter', () => {
  it('bounds the letter in characters and in JSON bytes', () => {
    expect(BankChangeLetter.safeParse({ letterText: 'a'.repeat(MAX_LETTER_TEXT_CHARS) }).success).toBe(true);
    expect(BankChangeLetter.safeParse({ letterText: 'a'.repeat(MAX_LETTER_TEXT_CHARS + 1) }).success).toBe(false);
    // A control character is 6 bytes as JSON (\u0001): under the character bound, over the byte bound.
    expect(BankChangeLetter.safeParse({ letterText: '\u0001'.repeat(Math.floor(MAX_LETTER_TEXT_BYTES / 6) + 1) }).success).toBe(false);
    expect(BankChangeLetter.safeParse({ letterText: '' }).success).toBe(false);
  });

  it('takes the source as a label, optional', () => {
    expect(BankChangeLetter.safeParse({ letterText: 'x' }).success).toBe(true);
    expect(BankChangeLetter.safeParse({ letterText: 'x', source: 'forwarded by alice@example.com' }).success).toBe(false);
  });
});
