/**
 * A small regular-expression engine whose running time is bounded by the input length times
 * the program size, never exponential: the pattern is compiled to a Thompson NFA and every
 * position of the input advances all live states at once (no backtracking). Conditions of the
 * If and Switch nodes use it, so a pattern from a workflow cannot stall a server (ReDoS).
 *
 * Supported: literals, `.`, classes (`[a-z]`, `[^0-9]`), escapes `\d \w \s \D \W \S \t \n \r`
 * and escaped punctuation, anchors `^ $`, word boundaries `\b \B`, groups `( )` and `(?: )`,
 * alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` (lazy forms match the same). Refused,
 * with the reason: backreferences, lookaround, a quantifier on a group that itself holds a
 * quantifier (nested quantifiers), patterns over `MAX_PATTERN_LENGTH` characters or compiling
 * to more than `MAX_PROGRAM_SIZE` steps. Input over `MAX_REGEX_INPUT` characters is refused at
 * match time. Matching is by UTF-16 code unit.
 */

/** Longest pattern accepted, in characters. */
export const MAX_PATTERN_LENGTH = 500;
/** Longest text a pattern is matched against, in characters. */
export const MAX_REGEX_INPUT = 100_000;
/** Most NFA steps a pattern may compile to (counted repetition copies its body). */
const MAX_PROGRAM_SIZE = 2_000;

/** Why a pattern was refused: a message naming the problem and where it is. */
export class UnsafePatternError extends Error {
  override name = 'UnsafePatternError';
}

type CharTest = (code: number) => boolean;

type Node =
  | { kind: 'char'; test: CharTest }
  | { kind: 'assert'; what: 'start' | 'end' | 'word' | 'notWord' }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'repeat'; body: Node; min: number; max: number };

const isDigit: CharTest = (c) => c >= 48 && c <= 57;
const isWord: CharTest = (c) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace: CharTest = (c) =>
  c === 32 ||
  (c >= 9 && c <= 13) ||
  c === 0xa0 ||
  c === 0xfeff ||
  c === 0x2028 ||
  c === 0x2029 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x3000 ||
  c === 0x1680 ||
  c === 0x202f ||
  c === 0x205f;
const not =
  (test: CharTest): CharTest =>
  (c) =>
    !test(c);

const CLASS_ESCAPES: Record<string, CharTest> = {
  d: isDigit,
  w: isWord,
  s: isSpace,
  D: not(isDigit),
  W: not(isWord),
  S: not(isSpace),
};
const CONTROL_ESCAPES: Record<string, number> = { t: 9, n: 10, r: 13, v: 11, f: 12, '0': 0 };

function parse(pattern: string, ignoreCase: boolean): Node {
  let at = 0;
  const fail = (why: string): never => {
    throw new UnsafePatternError(`${why} (at character ${at + 1} of the pattern).`);
  };
  const fold = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
  const literal = (code: number): Node => {
    if (!ignoreCase) return { kind: 'char', test: (c) => c === code };
    const target = fold(code);
    return { kind: 'char', test: (c) => fold(c) === target };
  };

  /** An escape after `\`: a char test, or an assertion. */
  function escapeAt(inClass: boolean): CharTest | Node {
    const ch = pattern[at];
    if (ch === undefined) fail('The pattern ends with a lone backslash');
    at++;
    if (/[1-9]/.test(ch!) || ch === 'k') fail('Backreferences are not supported');
    if (ch === 'b' && !inClass) return { kind: 'assert', what: 'word' };
    if (ch === 'B' && !inClass) return { kind: 'assert', what: 'notWord' };
    const classTest = CLASS_ESCAPES[ch!];
    if (classTest) return classTest;
    const control = CONTROL_ESCAPES[ch!];
    if (control !== undefined) return (c) => c === control;
    if (/[A-Za-z]/.test(ch!)) fail(`The escape \\${ch} is not supported`);
    const code = ch!.charCodeAt(0);
    return (c) => c === code;
  }

  function charClass(): Node {
    // at is just past '['
    let negate = false;
    if (pattern[at] === '^') {
      negate = true;
      at++;
    }
    const tests: CharTest[] = [];
    let first = true;
    while (at < pattern.length && (pattern[at] !== ']' || first)) {
      first = false;
      let low: number;
      if (pattern[at] === '\\') {
        at++;
        const escaped = escapeAt(true) as CharTest;
        // A class escape such as \d cannot start a range.
        const probe = pattern[at - 1]!;
        if (CLASS_ESCAPES[probe]) {
          tests.push(escaped);
          continue;
        }
        low = CONTROL_ESCAPES[probe] ?? probe.charCodeAt(0);
      } else {
        low = pattern.charCodeAt(at);
        at++;
      }
      let high = low;
      if (pattern[at] === '-' && pattern[at + 1] !== undefined && pattern[at + 1] !== ']') {
        at++;
        if (pattern[at] === '\\') {
          at++;
          const probe = pattern[at];
          if (probe === undefined || CLASS_ESCAPES[probe])
            fail('A range in a class must end with a single character');
          at++;
          high = CONTROL_ESCAPES[probe!] ?? probe!.charCodeAt(0);
        } else {
          high = pattern.charCodeAt(at);
          at++;
        }
        if (high < low) fail('A range in a class goes backwards');
      }
      const lo = low;
      const hi = high;
      tests.push((c) => c >= lo && c <= hi);
      if (ignoreCase) {
        tests.push((c) => {
          const other = c >= 65 && c <= 90 ? c + 32 : c >= 97 && c <= 122 ? c - 32 : c;
          return other >= lo && other <= hi;
        });
      }
    }
    if (pattern[at] !== ']') fail('A character class is not closed with ]');
    at++;
    const any: CharTest = (c) => tests.some((test) => test(c));
    return { kind: 'char', test: negate ? not(any) : any };
  }

  function atom(): Node | null {
    const ch = pattern[at]!;
    if (ch === '(') {
      at++;
      if (pattern[at] === '?') {
        const kind = pattern.slice(at, at + 3);
        if (kind.startsWith('?:')) at += 2;
        else if (kind === '?<=' || kind === '?<!' || kind.startsWith('?=') || kind.startsWith('?!'))
          fail('Lookahead and lookbehind are not supported');
        else if (kind.startsWith('?<')) {
          const close = pattern.indexOf('>', at);
          if (close < 0) fail('A named group is not closed with >');
          at = close + 1;
        } else fail('This group syntax is not supported');
      }
      const inner = alternation();
      if (pattern[at] !== ')') fail('A group is not closed with )');
      at++;
      return { kind: 'seq', items: [inner] };
    }
    if (ch === '[') {
      at++;
      return charClass();
    }
    at++;
    if (ch === '.')
      return { kind: 'char', test: (c) => c !== 10 && c !== 13 && c !== 0x2028 && c !== 0x2029 };
    if (ch === '^') return { kind: 'assert', what: 'start' };
    if (ch === '$') return { kind: 'assert', what: 'end' };
    if (ch === '\\') {
      const escaped = escapeAt(false);
      return typeof escaped === 'function' ? { kind: 'char', test: escaped } : escaped;
    }
    if (ch === '*' || ch === '+' || ch === '?') fail(`Nothing to repeat before ${ch}`);
    if (ch === ')') fail('A ) has no matching (');
    return literal(ch.charCodeAt(0));
  }

  /** A quantifier at `at`, if any: its bounds. */
  function quantifier(): { min: number; max: number } | null {
    const ch = pattern[at];
    let bounds: { min: number; max: number } | null = null;
    if (ch === '*') bounds = { min: 0, max: Number.POSITIVE_INFINITY };
    else if (ch === '+') bounds = { min: 1, max: Number.POSITIVE_INFINITY };
    else if (ch === '?') bounds = { min: 0, max: 1 };
    else if (ch === '{') {
      const match = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(pattern.slice(at));
      if (!match) return null;
      const min = Number(match[1]);
      const max =
        match[2] === undefined
          ? min
          : match[3] === ''
            ? Number.POSITIVE_INFINITY
            : Number(match[3]);
      if (max < min) fail('A {n,m} quantifier has m below n');
      at += match[0].length - 1;
      bounds = { min, max };
    }
    if (!bounds) return null;
    at++;
    if (pattern[at] === '?') at++;
    return bounds;
  }

  function sequence(): Node {
    const items: Node[] = [];
    while (at < pattern.length && pattern[at] !== '|' && pattern[at] !== ')') {
      const start = at;
      const item = atom()!;
      const bounds = quantifier();
      if (bounds) {
        if (item.kind === 'assert') fail('An anchor cannot be repeated');
        if (item.kind === 'seq' && holdsRepeat(item)) {
          at = start;
          fail(
            'Nested quantifiers (a repeated group that holds a quantifier, such as (a+)+) are refused: they can take exponential time',
          );
        }
        if (quantifier()) fail('Two quantifiers in a row');
        items.push({ kind: 'repeat', body: item, min: bounds.min, max: bounds.max });
      } else items.push(item);
    }
    return { kind: 'seq', items };
  }

  function alternation(): Node {
    const options = [sequence()];
    while (pattern[at] === '|') {
      at++;
      options.push(sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }

  const tree = alternation();
  if (at < pattern.length) fail('A ) has no matching (');
  return tree;
}

function holdsRepeat(node: Node): boolean {
  switch (node.kind) {
    case 'repeat':
      return node.max > 1;
    case 'seq':
      return node.items.some(holdsRepeat);
    case 'alt':
      return node.options.some(holdsRepeat);
    default:
      return false;
  }
}

const CHAR = 0;
const SPLIT = 1;
const JMP = 2;
const ASSERT = 3;
const MATCH = 4;

interface Instruction {
  op: number;
  test?: CharTest;
  x?: number;
  y?: number;
  what?: 'start' | 'end' | 'word' | 'notWord';
}

function compile(tree: Node): Instruction[] {
  const program: Instruction[] = [];
  const push = (instruction: Instruction): number => {
    if (program.length >= MAX_PROGRAM_SIZE) {
      throw new UnsafePatternError(
        `The pattern is too complex: it compiles to more than ${MAX_PROGRAM_SIZE} steps (large {n,m} counts multiply its size).`,
      );
    }
    program.push(instruction);
    return program.length - 1;
  };
  function emit(node: Node): void {
    switch (node.kind) {
      case 'char':
        push({ op: CHAR, test: node.test });
        return;
      case 'assert':
        push({ op: ASSERT, what: node.what });
        return;
      case 'seq':
        for (const item of node.items) emit(item);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let o = 0; o < node.options.length - 1; o++) {
          const split = push({ op: SPLIT });
          program[split]!.x = program.length;
          emit(node.options[o]!);
          jumps.push(push({ op: JMP }));
          program[split]!.y = program.length;
        }
        emit(node.options[node.options.length - 1]!);
        for (const j of jumps) program[j]!.x = program.length;
        return;
      }
      case 'repeat': {
        for (let r = 0; r < node.min; r++) emit(node.body);
        if (node.max === Number.POSITIVE_INFINITY) {
          const split = push({ op: SPLIT });
          program[split]!.x = program.length;
          emit(node.body);
          push({ op: JMP, x: split });
          program[split]!.y = program.length;
          return;
        }
        const splits: number[] = [];
        for (let r = node.min; r < node.max; r++) {
          const split = push({ op: SPLIT });
          program[split]!.x = program.length;
          splits.push(split);
          emit(node.body);
        }
        for (const s of splits) program[s]!.y = program.length;
        return;
      }
    }
  }
  emit(tree);
  push({ op: MATCH });
  return program;
}

/** A compiled pattern: `test(text)` answers whether it matches anywhere in the text. */
export interface SafeRegex {
  readonly source: string;
  test(text: string): boolean;
}

/**
 * Compiles a pattern, or throws `UnsafePatternError` saying why it was refused. `ignoreCase`
 * folds ASCII letters.
 */
export function compileSafeRegex(source: string, ignoreCase = false): SafeRegex {
  if (source.length > MAX_PATTERN_LENGTH)
    throw new UnsafePatternError(
      `The pattern is ${source.length} characters long; at most ${MAX_PATTERN_LENGTH} are allowed.`,
    );
  const program = compile(parse(source, ignoreCase));
  const size = program.length;
  return {
    source,
    test(text: string): boolean {
      if (text.length > MAX_REGEX_INPUT) {
        throw new UnsafePatternError(
          `The text is ${text.length} characters long; a pattern is matched against at most ${MAX_REGEX_INPUT}.`,
        );
      }
      let current = new Int32Array(size);
      let next = new Int32Array(size);
      let currentCount = 0;
      let nextCount = 0;
      // Generation marks: a state is in a list when its mark equals the step's stamp.
      const mark = new Int32Array(size);
      let stamp = 0;
      const stack = new Int32Array(size * 2 + 2);

      const wordAt = (pos: number): boolean =>
        pos >= 0 && pos < text.length && isWord(text.charCodeAt(pos));
      /** Adds `pc` and what it reaches without reading a character at `pos`; true on MATCH. */
      const add = (list: Int32Array, count: number, pc: number, pos: number): number => {
        let top = 0;
        stack[top++] = pc;
        while (top > 0) {
          const p = stack[--top]!;
          if (mark[p] === stamp) continue;
          mark[p] = stamp;
          const ins = program[p]!;
          if (ins.op === JMP) stack[top++] = ins.x!;
          else if (ins.op === SPLIT) {
            stack[top++] = ins.y!;
            stack[top++] = ins.x!;
          } else if (ins.op === ASSERT) {
            const ok =
              ins.what === 'start'
                ? pos === 0
                : ins.what === 'end'
                  ? pos === text.length
                  : ins.what === 'word'
                    ? wordAt(pos - 1) !== wordAt(pos)
                    : wordAt(pos - 1) === wordAt(pos);
            if (ok) stack[top++] = p + 1;
          } else if (ins.op === MATCH) return -1;
          else list[count++] = p;
        }
        return count;
      };

      stamp++;
      for (let pos = 0; ; pos++) {
        // Unanchored search: a new thread starts at every position.
        const added = add(current, currentCount, 0, pos);
        if (added < 0) return true;
        currentCount = added;
        if (pos === text.length) return false;
        const code = text.charCodeAt(pos);
        stamp++;
        nextCount = 0;
        for (let t = 0; t < currentCount; t++) {
          const p = current[t]!;
          if (program[p]!.test!(code)) {
            const r = add(next, nextCount, p + 1, pos + 1);
            if (r < 0) return true;
            nextCount = r;
          }
        }
        [current, next] = [next, current];
        currentCount = nextCount;
      }
    },
  };
}
