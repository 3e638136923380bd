import * as z from 'zod';
import { parseJsonPath, pickJsonPath } from '../nodes/json';
import { compileSafeRegex, type SafeRegex, UnsafePatternError } from './safeRegex';

/**
 * Declarative conditions of the If and Switch nodes: data, never code. A condition compares a
 * left value (the node's input, a value picked from it by a path, or text built around those)
 * with a right value by one operator. Nothing is evaluated: there is no expression language.
 */

/** What a condition checks. */
export const ConditionOperatorSchema = z.enum([
  'equals',
  'not_equals',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'matches',
  'gt',
  'gte',
  'lt',
  'lte',
  'path_exists',
  'is_empty',
  'is_not_empty',
]);
export type ConditionOperator = z.infer<typeof ConditionOperatorSchema>;

/** Each operator's words, as the editor's select shows them and messages name them. */
export const conditionOperatorLabels: Readonly<Record<ConditionOperator, string>> = {
  equals: 'equals',
  not_equals: 'does not equal',
  contains: 'contains',
  not_contains: 'does not contain',
  starts_with: 'starts with',
  ends_with: 'ends with',
  matches: 'matches the pattern',
  gt: 'is greater than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
  path_exists: 'has the path',
  is_empty: 'is empty',
  is_not_empty: 'is not empty',
};

/** Operators that take no right value. */
const UNARY: ReadonlySet<ConditionOperator> = new Set(['is_empty', 'is_not_empty']);
const NUMERIC: ReadonlySet<ConditionOperator> = new Set(['gt', 'gte', 'lt', 'lte']);

/** Whether an operator compares with a right value (all but is empty / is not empty). */
export function operatorTakesRight(operator: ConditionOperator): boolean {
  return !UNARY.has(operator);
}

/** `{{value}}`, `{{value.a.b}}` or `{{value[0].name}}`: the input, or a value picked from it. */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const VALUE_REF = /^value((?:\.[^.[\]\s]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*)$/;

/** The placeholders of a left template that do not name the input: each is a mistake to report. */
export function unknownPlaceholders(template: string): string[] {
  const bad: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const ref = match[1]!;
    const path = VALUE_REF.exec(ref);
    if (!path) bad.push(match[0]);
    else if (path[1]) {
      try {
        parseJsonPath(path[1].replace(/^\./, ''));
      } catch {
        bad.push(match[0]);
      }
    }
  }
  return bad;
}

/** Whether a string is a finite number as a person writes one (`3`, `-2.5`, `1e3`). */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** The fields of one condition, as stored in a node's data. */
export const conditionShape = {
  /**
   * The left value: `{{value}}` (default) is the input itself, `{{value.path}}` a value picked
   * from it; any other text is built from those placeholders (values as text, JSON for objects).
   */
  left: z.string().max(2_000, 'Left value: at most 2,000 characters.').default('{{value}}'),
  operator: ConditionOperatorSchema.default('equals'),
  /** The right value, as typed: text, a number for comparisons, a pattern, or a path. */
  right: z.string().max(2_000, 'Right value: at most 2,000 characters.').default(''),
};

/** The checks zod cannot express field by field: placeholders, numbers, patterns and paths. */
export function checkCondition(
  condition: { left: string; operator: ConditionOperator; right: string },
  ctx: z.RefinementCtx,
): void {
  for (const bad of unknownPlaceholders(condition.left)) {
    ctx.addIssue({
      code: 'custom',
      path: ['left'],
      message: `Left value: ${bad} is not a placeholder this node knows; use {{value}} or {{value.path}}.`,
    });
  }
  const label = conditionOperatorLabels[condition.operator];
  if (NUMERIC.has(condition.operator) && asNumber(condition.right) === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['right'],
      message: `Right value: "${label}" compares numbers; "${condition.right}" is not a number.`,
    });
  }
  if (condition.operator === 'matches') {
    try {
      compileSafeRegex(condition.right);
    } catch (error) {
      const why = error instanceof UnsafePatternError ? error.message : String(error);
      ctx.addIssue({
        code: 'custom',
        path: ['right'],
        message: `Right value: the pattern is refused. ${why}`,
      });
    }
  }
  if (condition.operator === 'path_exists') {
    if (condition.right.trim() === '')
      ctx.addIssue({
        code: 'custom',
        path: ['right'],
        message: 'Right value: give the path to look for, e.g. user.name or items[0].',
      });
    else {
      try {
        parseJsonPath(condition.right);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['right'],
          message: `Right value: ${(error as Error).message}`,
        });
      }
    }
  }
}

/** One condition, as stored in a node's data. */
export const ConditionSchema = z.object(conditionShape).superRefine(checkCondition);
export type Condition = z.output<typeof ConditionSchema>;
export type ConditionInput = z.input<typeof ConditionSchema>;

/** Most conditions one If node or one Switch case list holds. */
export const MAX_CONDITIONS = 50;

/** Options of `evaluateCondition`. */
export interface ConditionOptions {
  /** Compare text with case (default true); false folds ASCII and Unicode case. */
  caseSensitive?: boolean;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}

/** The left value of a condition, given the node's input. */
export function resolveLeft(template: string, input: unknown): unknown {
  const trimmed = template.trim();
  const whole = /^\{\{\s*([^{}]*?)\s*\}\}$/.exec(trimmed);
  if (whole) {
    const ref = VALUE_REF.exec(whole[1]!);
    if (ref) return ref[1] ? pick(input, ref[1].replace(/^\./, '')) : input;
  }
  return template.replace(PLACEHOLDER, (placeholder, name: string) => {
    const ref = VALUE_REF.exec(name);
    if (!ref) return placeholder;
    return asText(ref[1] ? pick(input, ref[1].replace(/^\./, '')) : input);
  });
}

function pick(input: unknown, path: string): unknown {
  return pickJsonPath(parseIfJsonText(input), path);
}

/** JSON text read as JSON, so `{{value.a}}` and "has the path" work on an LLM's text answer too. */
function parseIfJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return value;
  try {
    return JSON.parse(t);
  } catch {
    return value;
  }
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** Patterns compiled once per text and case, so a Switch over many items does not recompile them. */
const compiled = new Map<string, SafeRegex>();
const MAX_COMPILED = 256;

function regexFor(source: string, ignoreCase: boolean): SafeRegex {
  const key = `${ignoreCase ? 'i' : 's'}${source}`;
  let regex = compiled.get(key);
  if (!regex) {
    regex = compileSafeRegex(source, ignoreCase);
    // A bounded cache: the oldest pattern goes first.
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, regex);
  }
  return regex;
}

/**
 * Whether a condition holds for an input. Throws `UnsafePatternError` for a refused pattern or
 * a text longer than a pattern may be matched against (`MAX_REGEX_INPUT`).
 */
export function evaluateCondition(
  condition: Condition,
  input: unknown,
  options: ConditionOptions = {},
): boolean {
  const caseSensitive = options.caseSensitive ?? true;
  const left = resolveLeft(condition.left, input);
  const right = condition.right;
  const fold = (text: string): string => (caseSensitive ? text : text.toLocaleLowerCase('en-US'));
  const equalsRight = (value: unknown): boolean => {
    const n = typeof value === 'number' ? value : undefined;
    if (n !== undefined) return asNumber(right) === n;
    return fold(asText(value)) === fold(right);
  };
  switch (condition.operator) {
    case 'equals':
      return equalsRight(left);
    case 'not_equals':
      return !equalsRight(left);
    case 'contains':
    case 'not_contains': {
      const holds = Array.isArray(left)
        ? left.some(equalsRight)
        : fold(asText(left)).includes(fold(right));
      return condition.operator === 'contains' ? holds : !holds;
    }
    case 'starts_with':
      return fold(asText(left)).startsWith(fold(right));
    case 'ends_with':
      return fold(asText(left)).endsWith(fold(right));
    case 'matches':
      return regexFor(right, !caseSensitive).test(asText(left));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const a = asNumber(left);
      const b = asNumber(right);
      // A left value that is not a number fails every comparison, as a missing one does.
      if (a === undefined || b === undefined) return false;
      if (condition.operator === 'gt') return a > b;
      if (condition.operator === 'gte') return a >= b;
      if (condition.operator === 'lt') return a < b;
      return a <= b;
    }
    case 'path_exists':
      return pickJsonPath(parseIfJsonText(left), right) !== undefined;
    case 'is_empty':
      return isEmpty(left);
    case 'is_not_empty':
      return !isEmpty(left);
  }
}

/** How several conditions combine: every one must hold, or any one. */
export const CombineSchema = z.enum(['all', 'any']);
export type Combine = z.infer<typeof CombineSchema>;

/** Whether a list of conditions holds; an empty list holds. */
export function evaluateConditions(
  conditions: readonly Condition[],
  combine: Combine,
  input: unknown,
  options: ConditionOptions = {},
): boolean {
  if (conditions.length === 0) return true;
  return combine === 'all'
    ? conditions.every((c) => evaluateCondition(c, input, options))
    : conditions.some((c) => evaluateCondition(c, input, options));
}
