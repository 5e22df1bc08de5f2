import { describe, expect, it } from 'vitest';
import {
  BANK_LETTER_STAND_IN,
  LOCAL_BANK_LETTER_PARSER_ID,
  LocalBankLetterParserGateway,
  parseBankLetterText,
} from '../../../../functions/workflows/vendor-bank-details/domain/local-letter-parser.js';

describe('LocalBankLetterParserGateway (stand-in, not AI)', () => {
  it('labels itself a stand-in, costs nothing, and counts words as tokens', async () => {
    const response = await new LocalBankLetterParserGateway().converse({
      modelId: 'anything',
      system: 'Return JSON only.',
      prompt: 'Company: Acme\nIBAN: GB82 WEST 1234 5698 7654 32',
      maxTokens: 256,
    });
    expect(response.provider).toBe('local-stand-in');
    expect(response.modelId).toBe('local.bank-letter-parser-v1');
    expect(LOCAL_BANK_LETTER_PARSER_ID).toBe('local.bank-letter-parser-v1');
    expect(response.costUsd).toBe(0);
    expect(response.costKnown).toBe(true);
    expect(response.inputTokens).toBe(3 + 9);
    expect(response.outputTokens).toBe(response.text.split(/\s+/).filter(Boolean).length);
    expect(JSON.parse(response.text)).toEqual({ vendor: 'Acme', iban: 'GB82WEST12345698765432' });
  });

  it('is offered to selectGateway under its own id', () => {
    expect(BANK_LETTER_STAND_IN.id).toBe(LOCAL_BANK_LETTER_PARSER_ID);
    expect(BANK_LETTER_STAND_IN.create()).toBeInstanceOf(LocalBankLetterParserGateway);
  });
});

describe('parseBankLetterText', () => {
  it.each([
    ['Vendor: Acme Ltd\nCompany: Other Co\nFrom: Third Co', 'Acme Ltd'],
    ['From: Third Co\nCompany: Other Co', 'Other Co'],
    ['  from :  Third Co  ', 'Third Co'],
  ])('takes the vendor from Vendor:, else Company:, else From: (%j)', (text, vendor) => {
    expect(parseBankLetterText(text).vendor).toBe(vendor);
  });

  it.each([
    ['IBAN: GB82 WEST 1234 5698 7654 32\nNew IBAN: DE89 3704 0044 0532 0130 00', 'DE89370400440532013000'],
    ['Old IBAN: GB82 WEST 1234 5698 7654 32\nAccount (IBAN): de89370400440532013000', 'DE89370400440532013000'],
    ['iban: DE89 3704 0044 0532 0130 00 (Example Bank AG)', 'DE89370400440532013000'],
    ['IBAN: DE89 3704 0044 0532 0130 00, at Example Bank', 'DE89370400440532013000'],
  ])('takes the IBAN from New IBAN:, else Account (IBAN):, else IBAN:, up to the first other character (%j)', (text, iban) => {
    expect(parseBankLetterText(text).iban).toBe(iban);
  });

  it('copies a following word into the IBAN rather than guess where the IBAN ends (validation then refuses it)', () => {
    expect(parseBankLetterText('IBAN: BE68 5390 0754 7034 thanks').iban).toBe('BE68539007547034THANKS');
  });

  it('never corrects what it copies: a mistyped IBAN stays mistyped', () => {
    expect(parseBankLetterText('IBAN: DE88 3704 0044 0532 0130 00').iban).toBe('DE88370400440532013000');
  });

  it.each([
    ['Effective date: 15 January 2027', '2027-01-15'],
    ['Effective from: January 15, 2027', '2027-01-15'],
    ['As of: 15/01/2027', '2027-01-15'],
    ['as of: 2027-01-15', '2027-01-15'],
    ['Effective date: 15th Jan 2027 (a Friday)', '2027-01-15'],
  ])('reads the effective date from %j', (text, effectiveDate) => {
    expect(parseBankLetterText(text).effectiveDate).toBe(effectiveDate);
  });

  it('leaves out what it cannot find or read', () => {
    expect(parseBankLetterText('Dear customer,\nplease pay our new account from next month.')).toEqual({});
    expect(parseBankLetterText('Effective date: 31/02/2027\nEffective from: next month\nIBAN: —')).toEqual({});
    expect(parseBankLetterText('Effective date: 01/15/2027')).toEqual({}); // month first is not read
  });
});
