import { describe, expect, it } from 'vitest';
import { validateWorkflow } from '../validate';
import { runWorkflow } from '../run';
import { testRegistry } from '../__tests__/kit';
import { ConditionSchema, type ConditionInput, evaluateCondition } from './conditions';
import {
  compileSafeRegex,
  MAX_PATTERN_LENGTH,
  MAX_REGEX_INPUT,
  UnsafePatternError,
} from './safeRegex';

const holds = (condition: ConditionInput, input: unknown, caseSensitive = true) =>
  evaluateCondition(ConditionSchema.parse(condition), input, { caseSensitive });

describe('conditions: each operator', () => {
  it('equals / not equals compare text, numbers by value, and fold case when asked', () => {
    expect(holds({ operator: 'equals', right: 'yes' }, 'yes')).toBe(true);
    expect(holds({ operator: 'equals', right: 'yes' }, 'Yes')).toBe(false);
    expect(holds({ operator: 'equals', right: 'yes' }, 'YES', false)).toBe(true);
    expect(holds({ operator: 'equals', right: '3.0' }, 3)).toBe(true);
    expect(holds({ operator: 'equals', right: 'true' }, true)).toBe(true);
    expect(holds({ operator: 'not_equals', right: 'yes' }, 'no')).toBe(true);
    expect(holds({ operator: 'not_equals', right: 'yes' }, 'yes')).toBe(false);
  });

  it('contains looks in text and in lists; starts and ends with look at text', () => {
    expect(holds({ operator: 'contains', right: 'fund' }, 'a refund')).toBe(true);
    expect(holds({ operator: 'contains', right: 'FUND' }, 'a refund')).toBe(false);
    expect(holds({ operator: 'contains', right: 'FUND' }, 'a refund', false)).toBe(true);
    expect(holds({ operator: 'contains', right: 'b' }, ['a', 'b'])).toBe(true);
    expect(holds({ operator: 'contains', right: 'ab' }, ['a', 'b'])).toBe(false);
    expect(holds({ operator: 'not_contains', right: 'x' }, 'abc')).toBe(true);
    expect(holds({ operator: 'starts_with', right: 'he' }, 'hello')).toBe(true);
    expect(holds({ operator: 'starts_with', right: 'lo' }, 'hello')).toBe(false);
    expect(holds({ operator: 'ends_with', right: 'LO' }, 'hello', false)).toBe(true);
  });

  it('compares numbers, and a left value that is no number fails every comparison', () => {
    expect(holds({ operator: 'gt', right: '10' }, 11)).toBe(true);
    expect(holds({ operator: 'gt', right: '10' }, 10)).toBe(false);
    expect(holds({ operator: 'gte', right: '10' }, '10')).toBe(true);
    expect(holds({ operator: 'lt', right: '-1.5' }, -2)).toBe(true);
    expect(holds({ operator: 'lte', right: '1e3' }, 1000)).toBe(true);
    expect(holds({ operator: 'gt', right: '1' }, 'many')).toBe(false);
    expect(holds({ operator: 'lt', right: '1' }, 'many')).toBe(false);
  });

  it('picks from the input by path, also out of JSON text, and checks that a path exists', () => {
    const input = { user: { name: 'Ada', tags: ['x'] }, score: 7 };
    expect(holds({ left: '{{value.user.name}}', operator: 'equals', right: 'Ada' }, input)).toBe(
      true,
    );
    expect(holds({ left: '{{value.score}}', operator: 'gte', right: '7' }, input)).toBe(true);
    expect(
      holds({ left: '{{ value.score }}', operator: 'gte', right: '7' }, JSON.stringify(input)),
    ).toBe(true);
    expect(
      holds({ left: 'name={{value.user.name}}', operator: 'equals', right: 'name=Ada' }, input),
    ).toBe(true);
    expect(holds({ operator: 'path_exists', right: 'user.tags[0]' }, input)).toBe(true);
    expect(holds({ operator: 'path_exists', right: 'user.tags[1]' }, input)).toBe(false);
    expect(holds({ operator: 'path_exists', right: 'user.name' }, JSON.stringify(input))).toBe(
      true,
    );
    expect(holds({ operator: 'path_exists', right: 'constructor' }, input)).toBe(false);
  });

  it('is empty: nothing, blank text, an empty list or object', () => {
    for (const empty of [null, undefined, '', '  ', [], {}])
      expect(holds({ operator: 'is_empty' }, empty)).toBe(true);
    for (const full of ['a', 0, false, [0], { a: 1 }]) {
      expect(holds({ operator: 'is_empty' }, full)).toBe(false);
      expect(holds({ operator: 'is_not_empty' }, full)).toBe(true);
    }
  });

  it('matches a pattern, with or without case', () => {
    expect(holds({ operator: 'matches', right: '^order-\\d{3,5}$' }, 'order-1234')).toBe(true);
    expect(holds({ operator: 'matches', right: '^order-\\d{3,5}$' }, 'order-12')).toBe(false);
    expect(holds({ operator: 'matches', right: 'ab(c|d)+e' }, 'xxabcdcde')).toBe(true);
    expect(holds({ operator: 'matches', right: '[A-Z]+' }, 'abc')).toBe(false);
    expect(holds({ operator: 'matches', right: '[A-Z]+' }, 'abc', false)).toBe(true);
    expect(holds({ operator: 'matches', right: '\\bcat\\b' }, 'a cat sat')).toBe(true);
    expect(holds({ operator: 'matches', right: '\\bcat\\b' }, 'concatenate')).toBe(false);
    expect(holds({ operator: 'matches', right: 'colou?r' }, 'color')).toBe(true);
    expect(holds({ operator: 'matches', right: '[^\\s]@[^\\s]' }, 'me@x.org')).toBe(true);
  });
});

describe('safe patterns', () => {
  it('agrees with JavaScript regular expressions on the patterns it accepts', () => {
    const patterns = [
      'a.c',
      '^\\w+@\\w+\\.(com|org)$',
      'x{2}y{1,}z?',
      '(?:ab|cd)*e',
      '[a-f0-9]{4}',
      '\\s+$',
      'a|b|c',
      '^$',
      'caf[eé]',
    ];
    const texts = [
      'abc',
      'me@site.org',
      'xxyyy',
      'ababcde',
      'e',
      'dead',
      'x  ',
      '',
      'café',
      'nothing',
    ];
    for (const p of patterns) {
      const safe = compileSafeRegex(p);
      const native = new RegExp(p);
      for (const t of texts) expect([p, t, safe.test(t)]).toEqual([p, t, native.test(t)]);
    }
  });

  it('refuses nested quantifiers, backreferences and lookaround, saying why', () => {
    expect(() => compileSafeRegex('(a+)+$')).toThrow(/Nested quantifiers/);
    expect(() => compileSafeRegex('(x*y*)*')).toThrow(/Nested quantifiers/);
    expect(() => compileSafeRegex('(a)\\1')).toThrow(/Backreferences/);
    expect(() => compileSafeRegex('(?<n>a)\\k<n>')).toThrow(/Backreferences/);
    expect(() => compileSafeRegex('a(?=b)')).toThrow(/Lookahead/);
    expect(() => compileSafeRegex('(?<!a)b')).toThrow(/Lookahead/);
    expect(() => compileSafeRegex('a{1000}{2}')).toThrow(UnsafePatternError);
    expect(() => compileSafeRegex('(ab')).toThrow(/not closed/);
    expect(() => compileSafeRegex('x'.repeat(MAX_PATTERN_LENGTH + 1))).toThrow(/at most/);
    expect(() => compileSafeRegex('a{999}b{999}c{999}')).toThrow(/too complex/);
  });

  it('stays linear where a backtracking engine would not: .*.*.*x over a long text', () => {
    const text = 'a'.repeat(20_000);
    const started = performance.now();
    expect(compileSafeRegex('.*.*.*.*x').test(text)).toBe(false);
    expect(compileSafeRegex('(a|aa)*b').test(text)).toBe(false);
    // Linear work: milliseconds, where a backtracking engine takes longer than the test runner waits.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuses a text longer than a pattern may be matched against', () => {
    expect(() => compileSafeRegex('a').test('b'.repeat(MAX_REGEX_INPUT + 1))).toThrow(
      UnsafePatternError,
    );
  });
});

describe('conditions in a workflow: validation names the field', () => {
  const withIf = (conditions: unknown[]) => ({
    nodes: [
      { id: 't', type: 'text', data: { text: 'x' } },
      { id: 'check', type: 'if', data: { conditions } },
    ],
    edges: [{ id: 'e', source: 't', sourceHandle: 'text', target: 'check', targetHandle: 'value' }],
  });

  it('refuses an unsafe pattern, a non-number comparison, a bad path and an unknown placeholder', () => {
    const result = validateWorkflow(
      withIf([
        { left: '{{value}}', operator: 'matches', right: '(a+)+' },
        { left: '{{value}}', operator: 'gt', right: 'ten' },
        { left: '{{value}}', operator: 'path_exists', right: 'a[' },
        { left: '{{input}}', operator: 'equals', right: 'x' },
        { left: '{{value}}', operator: 'resembles', right: 'x' },
      ]),
      testRegistry,
    );
    expect(result.ok).toBe(false);
    const messages = result.issues.map((i) => `${i.path?.join('.')} | ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^nodes\.1\.data\.conditions\.0\.right \| .*Right value: the pattern is refused\. Nested quantifiers/,
        ),
        expect.stringMatching(
          /^nodes\.1\.data\.conditions\.1\.right \| .*"is greater than" compares numbers; "ten" is not a number/,
        ),
        expect.stringMatching(
          /^nodes\.1\.data\.conditions\.2\.right \| .*Right value: Cannot read the path/,
        ),
        expect.stringMatching(
          /^nodes\.1\.data\.conditions\.3\.left \| .*\{\{input\}\} is not a placeholder/,
        ),
        expect.stringMatching(/^nodes\.1\.data\.conditions\.4\.operator \| /),
      ]),
    );
    expect(result.issues.every((i) => i.nodeId === 'check')).toBe(true);
  });

  it('refuses an If without conditions and Switch cases with clashing or reserved names', () => {
    const empty = validateWorkflow(withIf([]), testRegistry);
    expect(empty.issues.map((i) => i.message)).toEqual([
      expect.stringContaining('Conditions: add at least one condition.'),
    ]);
    const clash = validateWorkflow(
      {
        nodes: [
          { id: 't', type: 'text' },
          {
            id: 'route',
            type: 'switch',
            data: {
              cases: [
                { name: 'a', right: '1' },
                { name: 'a', right: '2' },
                { name: 'default', right: '3' },
                { name: '1x', right: '4' },
              ],
            },
          },
        ],
        edges: [
          { id: 'e', source: 't', sourceHandle: 'text', target: 'route', targetHandle: 'value' },
        ],
      },
      testRegistry,
    );
    const messages = clash.issues.map((i) => `${i.path?.join('.')} | ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/cases\.1\.name \| .*"a" is used by two cases/),
        expect.stringMatching(/cases\.2\.name \| .*"default" is the output for no match/),
        expect.stringMatching(/cases\.3\.name \| .*"1x" must start with a letter/),
      ]),
    );
  });

  it('fails the node with E_CONDITION when the text is too long for a pattern', async () => {
    const result = await runWorkflow(
      {
        nodes: [
          { id: 't', type: 'text', data: { text: 'z'.repeat(MAX_REGEX_INPUT + 1) } },
          { id: 'check', type: 'if', data: { conditions: [{ operator: 'matches', right: 'z$' }] } },
        ],
        edges: [
          { id: 'e', source: 't', sourceHandle: 'text', target: 'check', targetHandle: 'value' },
        ],
      },
      { registry: testRegistry },
    );
    expect(result.status).toBe('FAILED');
    expect(result.nodes.check).toMatchObject({
      status: 'FAILED',
      error: { code: 'E_CONDITION', retryable: false },
    });
  });
});
