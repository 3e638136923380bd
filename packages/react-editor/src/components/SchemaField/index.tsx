import {
  isFieldSchema,
  isValidPortName,
  type JsonSchema,
  readJsonSchema,
  SCHEMA_FIELD_TYPES,
  type SchemaField as SchemaFieldRow,
  type SchemaFieldType,
  schemaFields,
  schemaFromFields,
} from '@galaxyflow/engine';
import { useEffect, useState } from 'react';

export interface SchemaFieldProps {
  /** The DOM id the field's label points at. */
  id: string;
  /** The field's label, for the group's accessible name. */
  label: string;
  /** A JSON Schema object, JSON text (older workflows) or empty. */
  value: unknown;
  /** Writes a new schema (`''` for none); `typing` marks keystrokes that coalesce into one undo step. */
  onChange: (value: unknown, typing: boolean) => void;
  /** The field lost focus: the typing burst ends. */
  onCommit: () => void;
  /** Shows the schema without allowing edits. Default false. */
  readOnly?: boolean;
}

const INTERACTIVE = 'nodrag nowheel nopan';

function schemaOf(value: unknown): JsonSchema | undefined {
  return readJsonSchema(value).schema;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const schema = schemaOf(value);
  return schema ? JSON.stringify(schema, null, 2) : '';
}

/** Problems of the builder's rows, by row index, that keep a row out of the schema or its outputs. */
function rowProblems(rows: readonly SchemaFieldRow[]): Map<number, string> {
  const problems = new Map<number, string>();
  const seen = new Set<string>();
  rows.forEach((row, index) => {
    const name = row.name.trim();
    if (name === '') problems.set(index, 'Name the field.');
    else if (seen.has(name)) problems.set(index, `Two fields are named "${name}".`);
    else if (!isValidPortName(name))
      problems.set(
        index,
        'Not an identifier: it stays in the JSON output but gets no output of its own.',
      );
    seen.add(name);
  });
  return problems;
}

/** The schema the rows describe: rows without a usable name are left out until they have one. */
function schemaOfRows(rows: readonly SchemaFieldRow[]): JsonSchema | '' {
  const seen = new Set<string>();
  const kept = rows
    .map((row) => ({ ...row, name: row.name.trim() }))
    .filter((row) => row.name !== '' && !seen.has(row.name) && seen.add(row.name));
  return kept.length > 0 ? schemaFromFields(kept) : '';
}

/**
 * Edits a JSON Schema as a list of fields (name, type, description, required) or, for schemas
 * the fields cannot show, as JSON text with validation messages.
 */
export function SchemaField({
  id,
  label,
  value,
  onChange,
  onCommit,
  readOnly = false,
}: SchemaFieldProps) {
  const [mode, setMode] = useState<'fields' | 'json'>(() =>
    readJsonSchema(value).problem === undefined && isFieldSchema(schemaOf(value))
      ? 'fields'
      : 'json',
  );
  const [rows, setRows] = useState<SchemaFieldRow[]>(() => schemaFields(schemaOf(value)));
  const [text, setText] = useState(() => textOf(value));
  const [jsonProblem, setJsonProblem] = useState<string | undefined>(
    () => readJsonSchema(value).problem,
  );

  useEffect(() => {
    // Follow outside changes (undo, paste) unless the local state already says the same thing.
    setRows((current) =>
      JSON.stringify(schemaOfRows(current)) === JSON.stringify(schemaOf(value) ?? '')
        ? current
        : schemaFields(schemaOf(value)),
    );
    setText((current) =>
      JSON.stringify(readJsonSchema(current).schema ?? '') === JSON.stringify(schemaOf(value) ?? '')
        ? current
        : textOf(value),
    );
  }, [value]);

  const writeRows = (next: SchemaFieldRow[], typing: boolean) => {
    setRows(next);
    onChange(schemaOfRows(next), typing);
  };
  const update = (index: number, patch: Partial<SchemaFieldRow>, typing: boolean) =>
    writeRows(
      rows.map((row, i) => (i === index ? { ...row, ...patch } : row)),
      typing,
    );
  const problems = rowProblems(rows);
  const canShowFields = jsonProblem === undefined && isFieldSchema(readJsonSchema(text).schema);

  return (
    <fieldset id={id} aria-label={label} className="gf-schema">
      <div className="gf-schema__modes">
        <button
          type="button"
          aria-pressed={mode === 'fields'}
          className={`gf-schema__mode ${INTERACTIVE}`}
          disabled={readOnly || (mode === 'json' && !canShowFields)}
          title={
            mode === 'json' && !canShowFields
              ? 'This schema uses more than the field builder shows: edit it as JSON.'
              : undefined
          }
          onClick={() => {
            setRows(schemaFields(readJsonSchema(text).schema));
            setMode('fields');
          }}
        >
          Fields
        </button>
        <button
          type="button"
          aria-pressed={mode === 'json'}
          className={`gf-schema__mode ${INTERACTIVE}`}
          disabled={readOnly}
          onClick={() => {
            setText(textOf(value));
            setJsonProblem(readJsonSchema(value).problem);
            setMode('json');
          }}
        >
          JSON
        </button>
      </div>
      {mode === 'fields' ? (
        <>
          {rows.map((row, index) => {
            const n = index + 1;
            const problem = problems.get(index);
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place; names change as the user types.
              <div className="gf-schema__row" key={index}>
                <input
                  className={`gf-field__input ${INTERACTIVE}`}
                  aria-label={`Field ${n} name`}
                  aria-invalid={problem !== undefined}
                  placeholder="name"
                  value={row.name}
                  readOnly={readOnly}
                  onChange={(event) => update(index, { name: event.target.value }, true)}
                  onBlur={onCommit}
                />
                <select
                  className={`gf-field__input gf-schema__type ${INTERACTIVE}`}
                  aria-label={`Field ${n} type`}
                  value={row.type}
                  disabled={readOnly}
                  onChange={(event) =>
                    update(index, { type: event.target.value as SchemaFieldType }, false)
                  }
                >
                  {SCHEMA_FIELD_TYPES.map((type) => (
                    <option key={type} value={type}>
                      {type}
                    </option>
                  ))}
                </select>
                <input
                  className={`gf-field__input gf-schema__description ${INTERACTIVE}`}
                  aria-label={`Field ${n} description`}
                  placeholder="What the model should put here"
                  value={row.description ?? ''}
                  readOnly={readOnly}
                  onChange={(event) => {
                    const { description: _old, ...rest } = row;
                    const next: SchemaFieldRow = event.target.value
                      ? { ...rest, description: event.target.value }
                      : rest;
                    writeRows(
                      rows.map((r, i) => (i === index ? next : r)),
                      true,
                    );
                  }}
                  onBlur={onCommit}
                />
                <label className="gf-field__inline">
                  <input
                    type="checkbox"
                    className={`gf-field__checkbox ${INTERACTIVE}`}
                    aria-label={`Field ${n} required`}
                    checked={row.required}
                    disabled={readOnly}
                    onChange={(event) => update(index, { required: event.target.checked }, false)}
                  />
                  <span>required</span>
                </label>
                <button
                  type="button"
                  className={`gf-schema__remove ${INTERACTIVE}`}
                  aria-label={`Remove field ${n}`}
                  disabled={readOnly}
                  onClick={() =>
                    writeRows(
                      rows.filter((_, i) => i !== index),
                      false,
                    )
                  }
                >
                  ×
                </button>
                {problem && <span className="gf-field__error">{problem}</span>}
              </div>
            );
          })}
          {!readOnly && (
            <button
              type="button"
              className={`gf-schema__add ${INTERACTIVE}`}
              onClick={() =>
                writeRows([...rows, { name: '', type: 'string', required: true }], false)
              }
            >
              Add field
            </button>
          )}
        </>
      ) : (
        <>
          <textarea
            className={`gf-field__input gf-field__input--code ${INTERACTIVE}`}
            aria-label={`${label} as JSON`}
            aria-invalid={jsonProblem !== undefined}
            value={text}
            spellCheck={false}
            readOnly={readOnly}
            rows={6}
            placeholder='{ "type": "object", "properties": { "title": { "type": "string" } } }'
            onChange={(event) => {
              setText(event.target.value);
              const { schema, problem } = readJsonSchema(event.target.value);
              setJsonProblem(problem);
              if (problem === undefined) onChange(schema ?? '', true);
            }}
            onBlur={onCommit}
          />
          {jsonProblem && <span className="gf-field__error">{jsonProblem}</span>}
        </>
      )}
    </fieldset>
  );
}
