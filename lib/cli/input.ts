import { readFile } from 'node:fs/promises';
import { InputInvalid } from './errors.js';
import { findJsonSyntaxError } from './json-syntax.js';

/** Step Functions refuses an execution input over 256 KiB (UTF-8 bytes); say so before calling it. */
export const MAX_INPUT_BYTES = 262_144;

/**
 * Reads an execution's input from a file, or from `stdin` when the source is `-`, and checks
 * that it is JSON within Step Functions' size limit. Errors name the source and, for broken
 * JSON, the line and column and what was expected there, never a piece of the content (an
 * invoice's text is personal data).
 *
 * @example
 * const input = await readExecutionInput('examples/invoice-small.json', process.stdin);
 * await sfn.send(new StartExecutionCommand({ stateMachineArn, input }));
 */
export async function readExecutionInput(source: string, stdin: NodeJS.ReadableStream): Promise<string> {
  const label = source === '-' ? 'standard input' : source;
  const bytes = source === '-' ? await readStream(stdin, label) : await readInputFile(source);
  if (bytes.length > MAX_INPUT_BYTES) {
    throw new InputInvalid(`the input from ${label} is ${bytes.length} bytes; Step Functions accepts at most ${MAX_INPUT_BYTES} (256 KiB).`);
  }
  // A byte-order mark is not JSON, but editors write one; it carries no meaning here.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new InputInvalid(`the input from ${label} is empty; it must be a JSON document such as {"invoiceText": "..."}.`);
  try {
    JSON.parse(text);
  } catch {
    const broken = findJsonSyntaxError(text);
    const where = broken ? ` at line ${broken.line}, column ${broken.column}: expected ${broken.expected}` : '';
    throw new InputInvalid(`the input from ${label} is not valid JSON${where}.`);
  }
  return text;
}

async function readInputFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new InputInvalid(`cannot read the input file ${file}: ${reason}. Pass a JSON file, or --input - to read standard input.`);
  }
}

/** Reads a stream to its end, stopping early once it is over the limit (the rest is not needed). */
async function readStream(stream: NodeJS.ReadableStream, label: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
      chunks.push(buffer);
      size += buffer.length;
      if (size > MAX_INPUT_BYTES) break;
    }
  } catch (error) {
    throw new InputInvalid(`cannot read ${label}: ${(error as NodeJS.ErrnoException).code ?? 'read failed'}.`);
  }
  return Buffer.concat(chunks);
}
