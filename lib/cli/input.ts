import { jsonTextDepthExceeds, MAX_JSON_DEPTH } from '../../functions/shared/json-depth.js';
import { InputInvalid } from './errors.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { readUserFile } from './read-file.js';

/** Step Functions refuses an execution input over 256 KiB (UTF-8 bytes); say so before calling it. */
export const MAX_INPUT_BYTES = 262_144;

/** An execution's input as read and checked. */
export interface ExecutionInput {
  /** The JSON text as given (without a byte-order mark): what StartExecution is sent. */
  text: string;
  /** The same, parsed: always a JSON object. */
  document: Record<string, unknown>;
  /** Where it came from, for messages: the file's name, or "standard input". */
  label: string;
}

/**
 * Reads an execution's input from a file, or from `stdin` when the source is `-`, and checks
 * that it is a JSON object within Step Functions' size limit, nested at most
 * {@link MAX_JSON_DEPTH} levels. Never more than the limit (and one chunk) is held in memory,
 * whatever is piped in, and the depth is checked on the text before anything parses it.
 * Errors name the source and what is wrong (for broken JSON the line and column and what was
 * expected there), never a piece of the content (an invoice's text is personal data).
 *
 * @example
 * const { text } = await readExecutionInput('examples/invoice-small.json', process.stdin);
 * await sfn.send(new StartExecutionCommand({ stateMachineArn, input: text }));
 */
export async function readExecutionInput(source: string, stdin: NodeJS.ReadableStream): Promise<ExecutionInput> {
  const label = source === '-' ? 'standard input' : source;
  const bytes = source === '-' ? await readBounded(stdin, label) : await readInputFile(source);
  // A byte-order mark is not JSON, but editors write one; it carries no meaning here.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new InputInvalid(`the input from ${label} is empty; it must be a JSON object: the workflow's input, such as {"invoiceText": "..."} for invoice-approval.`);
  if (jsonTextDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new InputInvalid(`the input from ${label} nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep; wardflow accepts at most ${MAX_JSON_DEPTH}.`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    const broken = findJsonSyntaxError(text);
    const where = broken ? ` at line ${broken.line}, column ${broken.column}: expected ${broken.expected}` : '';
    throw new InputInvalid(`the input from ${label} is not valid JSON${where}.`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new InputInvalid(`the input from ${label} is ${kindOf(document)}; an execution's input must be a JSON object (the workflow's input).`);
  }
  return { text, document: document as Record<string, unknown>, label };
}

/** What a JSON value is, in words that say nothing of its content. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a JSON array';
  if (typeof value === 'boolean') return `JSON ${String(value)}`;
  return `a JSON ${typeof value}`;
}

function tooLarge(label: string, size: string): InputInvalid {
  return new InputInvalid(`the input from ${label} is ${size}; Step Functions accepts at most ${MAX_INPUT_BYTES} bytes (256 KiB).`);
}

/**
 * A file's bytes. A regular file over the limit is refused by its size, unread; anything else
 * (a FIFO, /dev/stdin, a device) is read like a stream, up to the limit.
 */
async function readInputFile(file: string): Promise<Buffer> {
  return readUserFile(file, 'Pass a JSON file, or --input - to read standard input.', async (handle, stat) => {
    if (stat.isFile() && stat.size > MAX_INPUT_BYTES) throw tooLarge(file, `${stat.size} bytes`);
    return readBounded(handle.createReadStream({ autoClose: false }), file);
  });
}

/**
 * Reads a stream to its end, keeping at most {@link MAX_INPUT_BYTES}: at the first chunk past
 * the limit it stops, so 50 MB piped in costs the limit and one chunk, not 50 MB. Leaving the
 * loop destroys the stream: a writer still sending gets EPIPE rather than filling a buffer.
 */
async function readBounded(stream: NodeJS.ReadableStream, label: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      if (size + buffer.length > MAX_INPUT_BYTES) {
        throw tooLarge(label, `more than ${MAX_INPUT_BYTES} bytes (reading stopped there)`);
      }
      chunks.push(buffer);
      size += buffer.length;
    }
  } catch (error) {
    if (error instanceof InputInvalid) throw error;
    throw new InputInvalid(`cannot read ${label}: ${(error as NodeJS.ErrnoException).code ?? 'read failed'}.`);
  }
  return Buffer.concat(chunks, size);
}
