import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { InputInvalid } from '../../../lib/cli/errors.js';
import { MAX_INPUT_BYTES, readExecutionInput } from '../../../lib/cli/input.js';

const dir = mkdtempSync(join(tmpdir(), 'wardflow-cli-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noStdin = Readable.from([]);

function fileWith(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function failureOf(promise: Promise<unknown>): Promise<InputInvalid> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InputInvalid);
    return error as InputInvalid;
  }
  throw new Error('expected the input to be refused');
}

describe('readExecutionInput', () => {
  it('reads a JSON file as it is', async () => {
    const text = '{ "invoiceText": "Total due: €12.00", "source": "t" }\n';
    expect(await readExecutionInput(fileWith('ok.json', text), noStdin)).toBe(text);
  });

  it('reads standard input for "-", across chunks and without a byte-order mark', async () => {
    const stdin = new PassThrough();
    const read = readExecutionInput('-', stdin);
    stdin.write(Buffer.from([0xef, 0xbb, 0xbf]));
    stdin.write('{"invoiceText": "split ');
    stdin.end('across chunks"}');
    expect(JSON.parse(await read)).toEqual({ invoiceText: 'split across chunks' });
  });

  it('says where the JSON breaks, and never quotes the content', async () => {
    const planted = 'Jane Doe, 12 Secret Lane';
    const error = await failureOf(readExecutionInput(fileWith('broken.json', `{\n  "invoiceText": "${planted}",\n  "source": oops\n}`), noStdin));
    expect(error.message).toBe(
      `the input from ${join(dir, 'broken.json')} is not valid JSON at line 3, column 13: expected a JSON value (string, number, object, array, true, false or null).`,
    );
    const fromStdin = await failureOf(readExecutionInput('-', Readable.from([`{"invoiceText": "${planted}" "x"}`])));
    expect(fromStdin.message).toMatch(/^the input from standard input is not valid JSON at line 1, column \d+: expected "," or "}"/);
    for (const message of [error.message, fromStdin.message]) expect(message).not.toContain('Jane');
  });

  it('refuses an empty input, a missing file, a folder and an input over 256 KiB', async () => {
    expect((await failureOf(readExecutionInput('-', Readable.from(['  \n'])))).message).toMatch(/standard input is empty/);
    expect((await failureOf(readExecutionInput(join(dir, 'missing.json'), noStdin))).message).toMatch(/missing\.json: it does not exist\. Pass a JSON file, or --input -/);
    expect((await failureOf(readExecutionInput(dir, noStdin))).message).toMatch(/it is a folder/);
    const big = JSON.stringify({ invoiceText: 'x'.repeat(MAX_INPUT_BYTES) });
    expect((await failureOf(readExecutionInput(fileWith('big.json', big), noStdin))).message).toMatch(/bytes; Step Functions accepts at most 262144/);
    expect((await failureOf(readExecutionInput('-', Readable.from([big])))).message).toMatch(/at most 262144/);
  });
});
