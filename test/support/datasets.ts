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
