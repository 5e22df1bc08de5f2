/** Where a JSON text first breaks the grammar, and what the grammar expected there. */
export interface JsonSyntaxError {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  expected: string;
}

/**
 * Finds the first syntax error of a JSON text (RFC 8259), or undefined when it is valid.
 *
 * `JSON.parse` is not enough to tell a user where their input breaks: V8 gives a position only
 * for some errors, and for others quotes the text around the error, which may be invoice text
 * or personal data. This scanner reports a line, a column and what was expected, nothing of
 * the content.
 *
 * @example
 * findJsonSyntaxError('{\n  "a": tru\n}'); // { line: 2, column: 8, expected: 'a JSON value (string, number, object, array, true, false or null)' }
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (error) {
    if (!(error instanceof SyntaxAt)) throw error;
    return { ...lineAndColumn(text, error.offset), expected: error.expected };
  }
}

class SyntaxAt extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {
    super(expected);
  }
}

/** Sticky: matches at `lastIndex` only, so a long input is never copied per number. */
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const VALUE = 'a JSON value (string, number, object, array, true, false or null)';

/**
 * A recursive-descent scanner without the recursion: the open objects and arrays are an
 * explicit stack, so a document nested 100,000 deep is scanned like a flat one instead of
 * overflowing the call stack.
 */
class Scanner {
  private at = 0;
  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.space();
    if (this.at < this.text.length) throw new SyntaxAt(this.at, 'the end of the input after the JSON value');
  }

  /** One value, with everything nested in it. */
  private value(): void {
    const open: ('{' | '[')[] = [];
    for (;;) {
      // A value starts here: a scalar, an empty container, or the first member of a container.
      this.space();
      const char = this.text[this.at];
      if (char === '{' || char === '[') {
        this.at++;
        this.space();
        if (this.text[this.at] === (char === '{' ? '}' : ']')) {
          this.at++;
        } else {
          open.push(char);
          if (char === '{') this.propertyName();
          continue;
        }
      } else {
        this.scalar(char);
      }
      // A value ended: close what it ends, or go on with the next member.
      for (;;) {
        const container = open.at(-1);
        if (container === undefined) return;
        this.space();
        if (this.text[this.at] === ',') {
          this.at++;
          if (container === '{') this.propertyName();
          break;
        }
        if (container === '{') this.expect('}', '"," or "}" after the property value');
        else this.expect(']', '"," or "]" after the array element');
        open.pop();
      }
    }
  }

  /** `"name":`, up to where the member's value starts. */
  private propertyName(): void {
    this.space();
    if (this.text[this.at] !== '"') throw new SyntaxAt(this.at, 'a property name in double quotes');
    this.string();
    this.space();
    this.expect(':', '":" after the property name');
  }

  private scalar(char: string | undefined): void {
    if (char === '"') return this.string();
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.number();
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.at)) {
        this.at += literal.length;
        return;
      }
    }
    throw new SyntaxAt(this.at, VALUE);
  }

  private string(): void {
    this.at++; // opening quote
    for (;;) {
      const char = this.text[this.at];
      if (char === undefined) throw new SyntaxAt(this.at, 'a closing double quote');
      if (char === '"') {
        this.at++;
        return;
      }
      if (char < ' ') throw new SyntaxAt(this.at, 'no raw control character (line break, tab) inside a string: escape it as \\n, \\t, ...');
      if (char === '\\') {
        const escape = this.text[this.at + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at + 2, this.at + 6))) throw new SyntaxAt(this.at, 'four hex digits after \\u');
          this.at += 6;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) throw new SyntaxAt(this.at, 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        this.at += 2;
        continue;
      }
      this.at++;
    }
  }

  private number(): void {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (match === null) throw new SyntaxAt(this.at, 'a number');
    this.at += match[0].length;
  }

  private space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at] as string)) this.at++;
  }

  private expect(char: string, expected: string): void {
    if (this.text[this.at] !== char) throw new SyntaxAt(this.at, expected);
    this.at++;
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: Array.from(lines.at(-1) ?? '').length + 1 };
}
