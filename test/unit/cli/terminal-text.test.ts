import { describe, expect, it } from 'vitest';
import { terminalLines, terminalSafeJson, terminalSafeJsonText, terminalText } from '../../../lib/cli/terminal-text.js';
import { naughtyStrings } from '../../support/datasets.js';

/** Recorded text printed by the CLI: nothing in it may reach the terminal as a control. */
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('terminalText', () => {
  it('flattens control runs into one space, drops bidirectional controls and trims', () => {
    expect(terminalText('Northwind\u001b[2J\nTraders')).toBe('Northwind [2J Traders');
    expect(terminalText('  \u202eevil\u202c \u2066x\u2069 a\u009bb\u2028c\u0000 ')).toBe('evil x a b c');
  });

  it('cuts to the given number of characters, never half of one', () => {
    expect(terminalText('a'.repeat(100), 10)).toBe('aaaaaaa...');
    expect(terminalText('😀'.repeat(20), 10)).toBe(`${'😀'.repeat(7)}...`);
    expect(terminalText('short', 10)).toBe('short');
  });

  it('leaves no raw control in any naughty string', () => {
    for (const value of naughtyStrings()) expect(terminalText(value), value).not.toMatch(RAW_CONTROL);
  });
});

describe('terminalSafeJson', () => {
  it('escapes every control JSON.stringify leaves raw, and parses back to the same values', () => {
    const document = naughtyStrings().map((value, i) => ({ i, value }));
    const text = terminalSafeJson(document);
    expect(text.replace(/\n/g, '')).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(text)).toEqual(document);
    expect(terminalSafeJson({ title: 'a\u009b2Jb\u202e' })).toBe('{\n  "title": "a\\u009b2Jb\\u202e"\n}');
  });
});

describe('terminalLines', () => {
  it('keeps line feeds and tabs, turns every other control run into a space and drops bidirectional controls', () => {
    expect(terminalLines('# Report\nvendor=Acme\u001b]0;pwned\u0007\r\n\tx \u202eevil\u009b2J')).toBe('# Report\nvendor=Acme ]0;pwned \n\tx evil 2J');
  });

  it('leaves no raw control but line feed and tab in any naughty string', () => {
    for (const value of naughtyStrings()) expect(terminalLines(value), value).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('terminalSafeJsonText', () => {
  it('escapes what JSON.stringify leaves raw in a rendered document, which parses back the same', () => {
    const document = { vendor: 'Contoso\u202e\u009b2J\u2028' };
    const text = terminalSafeJsonText(JSON.stringify(document));
    expect(text).toBe('{"vendor":"Contoso\\u202e\\u009b2J\\u2028"}');
    expect(JSON.parse(text)).toEqual(document);
  });
});
