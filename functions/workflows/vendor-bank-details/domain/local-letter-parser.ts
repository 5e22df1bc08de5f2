import { type LocalStandIn, type ModelGateway, type ModelRequest, type ModelResponse, standInAnswer } from '#wardflow/models';
import { parseWrittenDate } from '#wardflow/step';
// By relative path on purpose: the calendar is not in the platform's public surface yet and will move.

export const LOCAL_BANK_LETTER_PARSER_ID = 'local.bank-letter-parser-v1';

/** Labels, tried in order: the first label that yields a value wins, wherever its line is. */
const VENDOR_LABELS = [
  /^[ \t]*vendor[ \t]*:[ \t]*(.+)$/i,
  /^[ \t]*company[ \t]*:[ \t]*(.+)$/i,
  /^[ \t]*from[ \t]*:[ \t]*(.+)$/i,
];
/** "New IBAN" before "IBAN", so a letter that also prints the account being replaced is read right. */
const IBAN_LABELS = [
  /^[ \t]*new[ \t]+iban[ \t]*:(.*)$/i,
  /^[ \t]*account[ \t]*\([ \t]*iban[ \t]*\)[ \t]*:(.*)$/i,
  /^[ \t]*iban[ \t]*:(.*)$/i,
];
const DATE_LABELS = [
  /^[ \t]*effective[ \t]+date[ \t]*:[ \t]*(.+)$/i,
  /^[ \t]*effective[ \t]+from[ \t]*:[ \t]*(.+)$/i,
  /^[ \t]*as[ \t]+of[ \t]*:[ \t]*(.+)$/i,
];
/** Letters and digits, single spaces between them: an IBAN in paper or electronic format, up to the first other character. */
const IBAN_TEXT = /^[ \t]*([A-Za-z0-9]+(?: [A-Za-z0-9]+)*)/;
/** The PII guard's placeholder for an IBAN (`[IBAN_1]`): copied as it stands, as a model would, for the step to restore. */
const IBAN_PLACEHOLDER = /^[ \t]*(\[IBAN_\d+\])/;

/**
 * A deterministic STAND-IN for Bedrock, for the local runtime and tests. It is NOT AI and is
 * never presented as such: every response says `provider: 'local-stand-in'` and
 * `modelId: 'local.bank-letter-parser-v1'`, costs 0, and counts "tokens" as
 * whitespace-separated words.
 *
 * It reads labelled letters and answers with the JSON the real model is asked for
 * (BANK_DETAILS_SYSTEM_PROMPT), leaving out any field it cannot find, so that validation
 * downstream fails exactly as it would for a model that could not read the letter:
 * - vendor: the rest of the first `Vendor:`, else `Company:`, else `From:` line
 * - iban: after `New IBAN:`, else `Account (IBAN):`, else `IBAN:`, the letters and digits up
 *   to the first other character (so `DE60 9876 ... 78 (Example Bank)` reads the IBAN),
 *   spaces removed and a-z upper-cased (the guards' `[IBAN_1]` placeholder is copied as it
 *   stands); an IBAN followed by a word on its line takes the word in
 * - effectiveDate: after `Effective date:`, else `Effective from:`, else `As of:`, a date the
 *   calendar reads (2027-01-15, 15 January 2027, January 15, 2027, 15/01/2027)
 *
 * It copies and never corrects, so every value it returns occurs in the letter: a mistyped
 * IBAN stays mistyped and fails the Iban schema.
 *
 * @example
 * const answer = await new LocalBankLetterParserGateway().converse({ modelId: 'local.bank-letter-parser-v1', system: '', prompt: 'Company: Vandelay Industries GmbH\nNew IBAN: DE60 9876 5432 1012 3456 78\nEffective date: 15 January 2027', maxTokens: 256 });
 * JSON.parse(answer.text); // { vendor: 'Vandelay Industries GmbH', iban: 'DE60987654321012345678', effectiveDate: '2027-01-15' }
 */
export class LocalBankLetterParserGateway implements ModelGateway {
  async converse(request: ModelRequest): Promise<ModelResponse> {
    return standInAnswer(LOCAL_BANK_LETTER_PARSER_ID, request, parseBankLetterText(request.prompt));
  }
}

/**
 * Fields found in a labelled letter; absent fields are left out.
 *
 * @example
 * parseBankLetterText('Vendor: Acme\nIBAN: gb82 west 1234 5698 7654 32'); // { vendor: 'Acme', iban: 'GB82WEST12345698765432' }
 */
export function parseBankLetterText(letterText: string): Record<string, string> {
  const lines = letterText.split(/\r?\n/);
  const result: Record<string, string> = {};

  const vendor = firstCapture(lines, VENDOR_LABELS);
  if (vendor) result.vendor = vendor;

  const ibanLine = firstCapture(lines, IBAN_LABELS);
  const iban = ibanLine === undefined ? undefined : (IBAN_PLACEHOLDER.exec(ibanLine)?.[1] ?? ibanAtStartOf(ibanLine));
  if (iban) result.iban = iban;

  const date = firstCapture(lines, DATE_LABELS);
  const effectiveDate = date === undefined ? undefined : parseWrittenDate(date);
  if (effectiveDate) result.effectiveDate = effectiveDate;
  return result;
}

/**
 * The stand-in as selectGateway takes it: a step that reads letters passes it, and it is used
 * only where MODEL_PROVIDER is `local`.
 *
 * @example
 * const gateway = selectGateway(settings.provider, { standIn: BANK_LETTER_STAND_IN });
 */
export const BANK_LETTER_STAND_IN: LocalStandIn = {
  id: LOCAL_BANK_LETTER_PARSER_ID,
  create: () => new LocalBankLetterParserGateway(),
};

/**
 * The IBAN a labelled line's value starts with, as the stand-ins copy it: the letters and digits
 * up to the first other character (single spaces allowed between groups), spaces removed and a-z
 * upper-cased; never corrected. The invoice stand-in reads its `IBAN:` line with it too.
 *
 * @example
 * ibanAtStartOf(' DE60 9876 5432 1012 3456 78 (Example Bank AG)'); // 'DE60987654321012345678'
 */
export function ibanAtStartOf(value: string): string | undefined {
  const iban = IBAN_TEXT.exec(value)?.[1];
  return iban === undefined ? undefined : iban.replace(/ /g, '').replace(/[a-z]/g, (letter) => letter.toUpperCase());
}

function firstCapture(lines: string[], patterns: RegExp[]): string | undefined {
  for (const pattern of patterns) {
    for (const line of lines) {
      const value = pattern.exec(line)?.[1]?.trim();
      if (value) return value;
    }
  }
  return undefined;
}

