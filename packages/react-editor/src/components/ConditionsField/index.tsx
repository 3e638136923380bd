import {
  type ConditionOperator,
  ConditionOperatorSchema,
  conditionOperatorLabels,
  type FieldSpec,
  operatorTakesRight,
} from '@galaxyflow/engine';

/** One row of the builder: a condition, with a name when the rows are Switch cases. */
interface Row {
  name?: string;
  left?: string;
  operator?: ConditionOperator;
  right?: string;
  [key: string]: unknown;
}

/** A problem the node's schema found in one row, e.g. `right` of row 2. */
export interface RowIssue {
  /** The row's index. */
  row: number;
  /** The row's field (`name`, `left`, `operator`, `right`), when the issue names one. */
  field: string | undefined;
  message: string;
}

export interface ConditionsFieldProps {
  /** The DOM id of the group; the field's label points at it. */
  id: string;
  spec: FieldSpec;
  value: unknown;
  /** Writes the new rows; `typing` marks keystrokes that coalesce into one undo step. */
  onChange: (value: unknown, typing: boolean) => void;
  onCommit: () => void;
  readOnly: boolean;
  /** What the node's schema says is wrong with the rows; shown under the row it concerns. */
  issues: readonly RowIssue[];
  /** Problems with the list itself (none at all, too many). */
  listIssues: readonly string[];
}

const INTERACTIVE = 'nodrag nowheel nopan';
const OPERATORS = ConditionOperatorSchema.options;

function rowsOf(value: unknown): Row[] {
  return Array.isArray(value)
    ? value.map((row) => (typeof row === 'object' && row !== null ? (row as Row) : {}))
    : [];
}

function freshName(rows: readonly Row[]): string {
  const taken = new Set(rows.map((row) => row.name));
  let n = rows.length + 1;
  while (taken.has(`case${n}`)) n++;
  return `case${n}`;
}

/**
 * The condition builder of If and Switch nodes: one row per condition (left value, operator,
 * right value; a case name first for Switch), rows added and removed with buttons, and the
 * engine's own validation messages under the row they concern. Conditions stay data: the
 * operator is picked from a list, never typed as code.
 */
export function ConditionsField({
  id,
  spec,
  value,
  onChange,
  onCommit,
  readOnly,
  issues,
  listIssues,
}: ConditionsFieldProps) {
  const rows = rowsOf(value);
  const noun = spec.named ? 'case' : 'condition';
  const update = (index: number, patch: Partial<Row>, typing: boolean) => {
    onChange(
      rows.map((row, i) => (i === index ? { ...row, ...patch } : row)),
      typing,
    );
  };
  const add = () => {
    const row: Row = { left: '{{value}}', operator: 'equals', right: '' };
    onChange([...rows, spec.named ? { name: freshName(rows), ...row } : row], false);
  };
  const remove = (index: number) =>
    onChange(
      rows.filter((_, i) => i !== index),
      false,
    );
  return (
    <fieldset id={id} className="gf-conditions" aria-label={spec.label ?? 'Conditions'}>
      {rows.map((row, index) => {
        const operator = OPERATORS.includes(row.operator as ConditionOperator)
          ? (row.operator as ConditionOperator)
          : 'equals';
        const number = index + 1;
        const rowIssues = issues.filter((issue) => issue.row === index);
        const invalid = (field: string) => rowIssues.some((issue) => issue.field === field);
        return (
          <fieldset
            className="gf-condition"
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id; keyed by place, a row keeps its focus while typed in.
            key={index}
            aria-label={`${spec.named ? 'Case' : 'Condition'} ${number}`}
          >
            {spec.named && (
              <input
                className={`gf-field__input gf-condition__name ${INTERACTIVE}`}
                aria-label={`Case ${number} name`}
                aria-invalid={invalid('name')}
                value={row.name ?? ''}
                placeholder="case name"
                readOnly={readOnly}
                onChange={(event) => update(index, { name: event.target.value }, true)}
                onBlur={onCommit}
              />
            )}
            <input
              className={`gf-field__input gf-condition__left ${INTERACTIVE}`}
              aria-label={`${spec.named ? 'Case' : 'Condition'} ${number} left value`}
              aria-invalid={invalid('left')}
              value={row.left ?? '{{value}}'}
              placeholder="{{value}}"
              readOnly={readOnly}
              onChange={(event) => update(index, { left: event.target.value }, true)}
              onBlur={onCommit}
            />
            <select
              className={`gf-field__input gf-condition__operator ${INTERACTIVE}`}
              aria-label={`${spec.named ? 'Case' : 'Condition'} ${number} operator`}
              aria-invalid={invalid('operator')}
              value={operator}
              disabled={readOnly}
              onChange={(event) =>
                update(index, { operator: event.target.value as ConditionOperator }, false)
              }
            >
              {OPERATORS.map((op) => (
                <option key={op} value={op}>
                  {conditionOperatorLabels[op]}
                </option>
              ))}
            </select>
            {operatorTakesRight(operator) && (
              <input
                className={`gf-field__input gf-condition__right ${INTERACTIVE}`}
                aria-label={`${spec.named ? 'Case' : 'Condition'} ${number} right value`}
                aria-invalid={invalid('right')}
                value={row.right ?? ''}
                placeholder={
                  operator === 'matches'
                    ? 'pattern'
                    : operator === 'path_exists'
                      ? 'user.name'
                      : 'value'
                }
                readOnly={readOnly}
                onChange={(event) => update(index, { right: event.target.value }, true)}
                onBlur={onCommit}
              />
            )}
            {!readOnly && (
              <button
                type="button"
                className={`gf-icon-button gf-condition__remove ${INTERACTIVE}`}
                aria-label={`Remove ${noun} ${number}`}
                title={`Remove ${noun} ${number}`}
                onClick={() => remove(index)}
              >
                ×
              </button>
            )}
            {rowIssues.map((issue) => (
              <span
                className="gf-field__error gf-condition__error"
                role="alert"
                key={`${issue.field}:${issue.message}`}
              >
                {issue.message}
              </span>
            ))}
          </fieldset>
        );
      })}
      {listIssues.map((message) => (
        <span className="gf-field__error" role="alert" key={message}>
          {message}
        </span>
      ))}
      {!readOnly && (
        <button type="button" className={`gf-button gf-button--small ${INTERACTIVE}`} onClick={add}>
          Add {noun}
        </button>
      )}
    </fieldset>
  );
}
