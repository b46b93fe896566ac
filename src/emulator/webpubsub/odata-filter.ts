import { RealtimeError } from '../../core/errors.js';

// The OData filter subset of the data-plane REST API (docs/protocol/webpubsub.md §3 "OData filter"):
// identifiers userId, connectionId, groups; eq ne gt ge lt le and or not in; string functions;
// literals null true false integers 'strings' ('' escapes). Compiled once per request.

export interface FilterSubject {
  connectionId: string;
  userId: string | undefined;
  groups: Iterable<string>;
}

type Value = string | number | boolean | null | string[];
type Node = (subject: FilterSubject) => Value;

type Token = { kind: 'string'; value: string } | { kind: 'number'; value: number } | { kind: 'word'; value: string } | { kind: 'punct'; value: '(' | ')' | ',' };

const MAX_FILTER_LENGTH = 8192;
/**
 * Parentheses, `not` and function calls recurse; ~2,000 levels overflowed the stack (a 500). [?] The
 * service's limit is undocumented (its docs ask for under ~100 clauses); 64 levels is far past real filters.
 */
const MAX_FILTER_DEPTH = 64;

function syntaxError(message: string): RealtimeError {
  return new RealtimeError('protocol', `Invalid filter: ${message}`, { status: 400 });
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) i++;
    else if (char === '(' || char === ')' || char === ',') {
      tokens.push({ kind: 'punct', value: char });
      i++;
    } else if (char === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw syntaxError('unterminated string literal');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ kind: 'string', value });
    } else if (/[-\d]/.test(char)) {
      const match = /^-?\d+/.exec(text.slice(i));
      if (!match) throw syntaxError(`unexpected character at position ${i}`);
      tokens.push({ kind: 'number', value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'word', value: match[0] });
      i += match[0].length;
    } else throw syntaxError(`unexpected character at position ${i}`);
  }
  return tokens;
}

const COMPARE: Record<string, (a: Value, b: Value) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  gt: (a, b) => a !== null && b !== null && a > b,
  ge: (a, b) => a !== null && b !== null && a >= b,
  lt: (a, b) => a !== null && b !== null && a < b,
  le: (a, b) => a !== null && b !== null && a <= b,
};

const str = (v: Value): string | null => (typeof v === 'string' ? v : null);

const FUNCTIONS: Record<string, { arity: number[]; apply: (args: Value[]) => Value }> = {
  tolower: { arity: [1], apply: ([s]) => str(s!)?.toLowerCase() ?? null },
  toupper: { arity: [1], apply: ([s]) => str(s!)?.toUpperCase() ?? null },
  trim: { arity: [1], apply: ([s]) => str(s!)?.trim() ?? null },
  length: { arity: [1], apply: ([s]) => str(s!)?.length ?? null },
  substring: {
    arity: [2, 3],
    apply: ([s, start, len]) => {
      const text = str(s!);
      if (text === null || typeof start !== 'number') return null;
      return len === undefined ? text.slice(start) : typeof len === 'number' ? text.slice(start, start + len) : null;
    },
  },
  endswith: { arity: [2], apply: ([s, x]) => (str(s!) !== null && str(x!) !== null ? str(s!)!.endsWith(str(x!)!) : false) },
  startswith: { arity: [2], apply: ([s, x]) => (str(s!) !== null && str(x!) !== null ? str(s!)!.startsWith(str(x!)!) : false) },
  contains: { arity: [2], apply: ([s, x]) => (str(s!) !== null && str(x!) !== null ? str(s!)!.includes(str(x!)!) : false) },
  indexof: { arity: [2], apply: ([s, x]) => (str(s!) !== null && str(x!) !== null ? str(s!)!.indexOf(str(x!)!) : -1) },
  concat: { arity: [2], apply: ([a, b]) => (str(a!) !== null && str(b!) !== null ? str(a!)! + str(b!)! : null) },
};

class Parser {
  #pos = 0;
  #depth = 0;
  readonly #tokens: Token[];

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  /** Runs one nested parse (parenthesis, `not`, function argument) within MAX_FILTER_DEPTH. */
  #nested(parse: () => Node): Node {
    if (++this.#depth > MAX_FILTER_DEPTH) throw syntaxError(`nested deeper than ${MAX_FILTER_DEPTH} levels`);
    const node = parse();
    this.#depth--;
    return node;
  }

  parse(): Node {
    const node = this.#or();
    if (this.#pos < this.#tokens.length) throw syntaxError(`unexpected ${describe(this.#tokens[this.#pos])}`);
    return node;
  }

  #peekWord(word: string): boolean {
    const token = this.#tokens[this.#pos];
    return token?.kind === 'word' && token.value.toLowerCase() === word;
  }

  #expectPunct(value: '(' | ')' | ','): void {
    const token = this.#tokens[this.#pos];
    if (token?.kind !== 'punct' || token.value !== value) throw syntaxError(`expected '${value}', got ${describe(token)}`);
    this.#pos++;
  }

  #or(): Node {
    return this.#chain('or', () => this.#and(), (l, r) => (s) => l(s) === true || r(s) === true);
  }

  #and(): Node {
    return this.#chain('and', () => this.#not(), (l, r) => (s) => l(s) === true && r(s) === true);
  }

  /** `operand (word operand)*`, folded left with `join`. */
  #chain(word: string, operand: () => Node, join: (left: Node, right: Node) => Node): Node {
    let left = operand();
    while (this.#peekWord(word)) {
      this.#pos++;
      left = join(left, operand());
    }
    return left;
  }

  #not(): Node {
    if (this.#peekWord('not')) {
      this.#pos++;
      const inner = this.#nested(() => this.#not());
      return (s) => inner(s) !== true;
    }
    return this.#comparison();
  }

  #comparison(): Node {
    const left = this.#primary();
    const token = this.#tokens[this.#pos];
    if (token?.kind !== 'word') return left;
    const op = token.value.toLowerCase();
    if (op === 'in') {
      this.#pos++;
      const right = this.#collection();
      return (s) => {
        const value = left(s);
        const list = right(s);
        return Array.isArray(list) && typeof value === 'string' && list.includes(value);
      };
    }
    const compare = COMPARE[op];
    if (!compare) return left;
    this.#pos++;
    const right = this.#primary();
    return (s) => compare(left(s), right(s));
  }

  /** After `in`: `groups` or a parenthesised literal list. */
  #collection(): Node {
    if (this.#peekWord('groups')) {
      this.#pos++;
      return (s) => [...s.groups];
    }
    this.#expectPunct('(');
    const items: string[] = [];
    for (;;) {
      const token = this.#tokens[this.#pos++];
      if (token?.kind !== 'string') throw syntaxError(`expected a string in the list, got ${describe(token)}`);
      items.push(token.value);
      const next = this.#tokens[this.#pos];
      if (next?.kind === 'punct' && next.value === ',') {
        this.#pos++;
        continue;
      }
      this.#expectPunct(')');
      return () => items;
    }
  }

  #primary(): Node {
    const token = this.#tokens[this.#pos++];
    if (!token) throw syntaxError('unexpected end of filter');
    if (token.kind === 'string' || token.kind === 'number') return () => token.value;
    if (token.kind === 'punct') {
      if (token.value !== '(') throw syntaxError(`unexpected ${describe(token)}`);
      const inner = this.#nested(() => this.#or());
      this.#expectPunct(')');
      return inner;
    }
    const word = token.value.toLowerCase();
    if (word === 'null') return () => null;
    if (word === 'true') return () => true;
    if (word === 'false') return () => false;
    if (word === 'userid') return (s) => s.userId ?? null;
    if (word === 'connectionid') return (s) => s.connectionId;
    if (word === 'groups') return (s) => [...s.groups];
    const fn = FUNCTIONS[word];
    if (!fn) throw syntaxError(`unknown identifier or function ${JSON.stringify(token.value.slice(0, 40))}`);
    this.#expectPunct('(');
    const args: Node[] = [this.#nested(() => this.#or())];
    while (this.#tokens[this.#pos]?.kind === 'punct' && (this.#tokens[this.#pos] as { value: string }).value === ',') {
      this.#pos++;
      args.push(this.#nested(() => this.#or()));
    }
    this.#expectPunct(')');
    if (!fn.arity.includes(args.length)) throw syntaxError(`${word} takes ${fn.arity.join(' or ')} arguments, got ${args.length}`);
    return (s) => fn.apply(args.map((a) => a(s)));
  }
}

function describe(token: Token | undefined): string {
  if (!token) return 'end of filter';
  return token.kind === 'string' ? 'a string literal' : `'${String(token.value).slice(0, 40)}'`;
}

/** Compiles a filter into a predicate; throws RealtimeError (status 400) on a syntax error. */
export function compileFilter(text: string): (subject: FilterSubject) => boolean {
  if (text.length > MAX_FILTER_LENGTH) throw syntaxError(`longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(text);
  if (tokens.length === 0) return () => true;
  const node = new Parser(tokens).parse();
  return (subject) => node(subject) === true;
}
