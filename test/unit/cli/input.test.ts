import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { InputInvalid } from '../../../lib/cli/errors.js';
import { MAX_INPUT_BYTES, readExecutionInput } from '../../../lib/cli/input.js';
import { jsonTextDepthExceeds, MAX_JSON_DEPTH } from '../../../functions/shared/json-depth.js';

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
    const file = fileWith('ok.json', text);
    expect(await readExecutionInput(file, noStdin)).toEqual({ text, document: { invoiceText: 'Total due: €12.00', source: 't' }, label: file });
  });

  it('reads standard input for "-", across chunks and without a byte-order mark', async () => {
    const stdin = new PassThrough();
    const read = readExecutionInput('-', stdin);
    stdin.write(Buffer.from([0xef, 0xbb, 0xbf]));
    stdin.write('{"invoiceText": "split ');
    stdin.end('across chunks"}');
    expect((await read).document).toEqual({ invoiceText: 'split across chunks' });
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

  it('refuses an empty input, a missing file and a folder', async () => {
    expect((await failureOf(readExecutionInput('-', Readable.from(['  \n'])))).message).toMatch(/standard input is empty/);
    expect((await failureOf(readExecutionInput(join(dir, 'missing.json'), noStdin))).message).toMatch(/missing\.json: it does not exist\. Pass a JSON file, or --input -/);
    expect((await failureOf(readExecutionInput(dir, noStdin))).message).toMatch(/it is a folder/);
  });
});

describe('readExecutionInput: size', () => {
  const valid = (bytes: number) => JSON.stringify({ invoiceText: 'x'.repeat(bytes - '{"invoiceText":""}'.length) });

  it('accepts exactly 262144 bytes and refuses one more, from a file and from standard input', async () => {
    expect(Buffer.byteLength(valid(MAX_INPUT_BYTES))).toBe(MAX_INPUT_BYTES);
    expect((await readExecutionInput(fileWith('max.json', valid(MAX_INPUT_BYTES)), noStdin)).text).toHaveLength(MAX_INPUT_BYTES);
    expect((await readExecutionInput('-', Readable.from([valid(MAX_INPUT_BYTES)]))).text).toHaveLength(MAX_INPUT_BYTES);
    const file = fileWith('over.json', valid(MAX_INPUT_BYTES + 1));
    expect((await failureOf(readExecutionInput(file, noStdin))).message).toBe(
      `the input from ${file} is 262145 bytes; Step Functions accepts at most 262144 bytes (256 KiB).`,
    );
    expect((await failureOf(readExecutionInput('-', Readable.from([valid(MAX_INPUT_BYTES + 1)])))).message).toBe(
      'the input from standard input is more than 262144 bytes (reading stopped there); Step Functions accepts at most 262144 bytes (256 KiB).',
    );
  });

  it('states the real size of a large file', async () => {
    const file = fileWith('huge.json', Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect((await failureOf(readExecutionInput(file, noStdin))).message).toBe(
      `the input from ${file} is 5242880 bytes; Step Functions accepts at most 262144 bytes (256 KiB).`,
    );
  });

  it('stops reading 50 MB of standard input soon after the limit, holding no more than the limit', async () => {
    const CHUNK = 64 * 1024;
    const TOTAL = 50 * 1024 * 1024;
    let produced = 0;
    const stdin = Readable.from(
      (function* () {
        for (let sent = 0; sent < TOTAL; sent += CHUNK) {
          produced++;
          yield Buffer.alloc(CHUNK, 0x20);
        }
      })(),
    );
    const error = await failureOf(readExecutionInput('-', stdin));
    expect(error.message).toMatch(/^the input from standard input is more than 262144 bytes \(reading stopped there\)/);
    expect(error.message).not.toMatch(/52428800|\b\d{7,}\b/);
    // 4 chunks fit, the 5th is over; the stream reads ahead a few more at most, never the 800 of 50 MB.
    expect(produced).toBeLessThan(40);
    expect(stdin.destroyed).toBe(true);
  });

  it.skipIf(process.platform === 'win32')('reads an endless file (a device) only up to the limit', async () => {
    expect((await failureOf(readExecutionInput('/dev/zero', noStdin))).message).toMatch(/^the input from \/dev\/zero is more than 262144 bytes/);
  });
});

describe('readExecutionInput: shape and depth', () => {
  it.each([
    ['null', 'null'],
    ['"Jane Doe, 12 Secret Lane"', 'a JSON string'],
    ['4711.5', 'a JSON number'],
    ['true', 'JSON true'],
    ['["Jane Doe", 12]', 'a JSON array'],
  ])('refuses %s, which is not an object, by its kind and without its value', async (text, kind) => {
    const error = await failureOf(readExecutionInput('-', Readable.from([text])));
    expect(error.message).toBe(`the input from standard input is ${kind}; an execution's input must be a JSON object (the workflow's input).`);
    expect(error.message).not.toMatch(/Jane|4711|12\b/);
  });

  const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

  it('accepts 64 levels of nesting and refuses 65, saying the limit', async () => {
    expect(jsonTextDepthExceeds(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect((await readExecutionInput('-', Readable.from([nested(MAX_JSON_DEPTH)]))).text).toBe(nested(MAX_JSON_DEPTH));
    expect((await failureOf(readExecutionInput('-', Readable.from([nested(MAX_JSON_DEPTH + 1)])))).message).toBe(
      'the input from standard input nests objects and arrays more than 64 levels deep; wardflow accepts at most 64.',
    );
  });

  it('refuses a document 100,000 levels deep, valid or not, without overflowing anything', async () => {
    // Within the size limit: 100,000 levels of objects ({"a":) would be 500 KB; json-depth's own tests take those.
    const deepArrays = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const deepBroken = `{"a":${'['.repeat(100_000)}`;
    for (const text of [deepArrays, deepBroken]) {
      expect((await failureOf(readExecutionInput('-', Readable.from([text])))).message).toMatch(/nests objects and arrays more than 64 levels deep/);
    }
  });
});
