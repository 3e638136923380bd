import type { FieldSpec } from '@galaxyflow/engine';
import { useEffect, useState } from 'react';
import { ProviderSelect } from '../ProviderSelect';
import { RoutesField } from '../RoutesField';
import { SchemaField } from '../SchemaField';

export interface FieldControlProps {
  /** The DOM id the label points at. */
  id: string;
  /** The data key the field edits. */
  name: string;
  spec: FieldSpec;
  value: unknown;
  /** Writes a new value; `typing` marks keystrokes that coalesce into one undo step. */
  onChange: (value: unknown, typing: boolean) => void;
  /** The field lost focus: the typing burst ends. */
  onCommit: () => void;
  /** Shows the value without allowing edits. Default false. */
  readOnly?: boolean;
}

const INTERACTIVE = 'nodrag nowheel nopan';

function optionsOf(spec: FieldSpec): { value: string; label: string }[] {
  return (spec.options ?? []).map((option) =>
    typeof option === 'string' ? { value: option, label: option } : option,
  );
}

function JsonField({ id, value, onChange, onCommit, readOnly, spec }: FieldControlProps) {
  const [text, setText] = useState(() => JSON.stringify(value ?? null, null, 2));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // Follow outside changes (undo, paste) unless the text already says the same thing.
    setText((current) => {
      try {
        if (JSON.stringify(JSON.parse(current)) === JSON.stringify(value ?? null)) return current;
      } catch {
        // The user is mid-edit on invalid JSON: an outside change still wins.
      }
      return JSON.stringify(value ?? null, null, 2);
    });
  }, [value]);
  return (
    <>
      <textarea
        id={id}
        className={`gf-field__input gf-field__input--code ${INTERACTIVE}`}
        value={text}
        spellCheck={false}
        readOnly={readOnly}
        placeholder={spec.placeholder}
        aria-invalid={error !== null}
        onChange={(event) => {
          setText(event.target.value);
          try {
            onChange(JSON.parse(event.target.value), true);
            setError(null);
          } catch (parseError) {
            setError((parseError as Error).message);
          }
        }}
        onBlur={onCommit}
      />
      {error && <span className="gf-field__error">Invalid JSON: {error}</span>}
    </>
  );
}

/** One form field of a node, drawn from its `FieldSpec`. */
export function FieldControl(props: FieldControlProps) {
  const { id, spec, value, onChange, onCommit, readOnly = false } = props;
  switch (spec.kind) {
    case 'textarea':
    case 'code':
      return (
        <textarea
          id={id}
          className={`gf-field__input ${spec.kind === 'code' ? 'gf-field__input--code' : ''} ${INTERACTIVE}`}
          value={typeof value === 'string' ? value : ''}
          placeholder={spec.placeholder}
          spellCheck={spec.kind !== 'code'}
          readOnly={readOnly}
          rows={3}
          onChange={(event) => onChange(event.target.value, true)}
          onBlur={onCommit}
        />
      );
    case 'number':
      return (
        <input
          id={id}
          type="number"
          className={`gf-field__input ${INTERACTIVE}`}
          value={typeof value === 'number' ? value : ''}
          min={spec.min}
          max={spec.max}
          step={spec.step}
          placeholder={spec.placeholder}
          readOnly={readOnly}
          onChange={(event) => onChange(event.target.value === '' ? undefined : event.target.valueAsNumber, true)}
          onBlur={onCommit}
        />
      );
    case 'boolean':
      return (
        <input
          id={id}
          type="checkbox"
          className={`gf-field__checkbox ${INTERACTIVE}`}
          checked={value === true}
          disabled={readOnly}
          onChange={(event) => onChange(event.target.checked, false)}
        />
      );
    case 'select': {
      const options = optionsOf(spec);
      const current = typeof value === 'string' ? value : '';
      if (spec.optionsFrom === 'providers') {
        return (
          <ProviderSelect
            id={id}
            spec={spec}
            value={current}
            readOnly={readOnly}
            onChange={(next) => onChange(next, false)}
          />
        );
      }
      if (spec.allowCustom) {
        return (
          <>
            <input
              id={id}
              className={`gf-field__input ${INTERACTIVE}`}
              list={`${id}-options`}
              value={current}
              placeholder={spec.placeholder}
              readOnly={readOnly}
              onChange={(event) => onChange(event.target.value, true)}
              onBlur={onCommit}
            />
            <datalist id={`${id}-options`}>
              {options.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </datalist>
          </>
        );
      }
      return (
        <select
          id={id}
          className={`gf-field__input ${INTERACTIVE}`}
          value={current}
          disabled={readOnly}
          onChange={(event) => onChange(event.target.value, false)}
        >
          {!options.some((option) => option.value === current) && <option value={current}>{current || '—'}</option>}
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      );
    }
    case 'json':
      return <JsonField {...props} />;
    case 'schema':
      return (
        <SchemaField
          id={id}
          label={spec.label ?? props.name}
          value={value}
          onChange={onChange}
          onCommit={onCommit}
          readOnly={readOnly}
        />
      );
    case 'routes':
      return (
        <RoutesField
          id={id}
          label={spec.label ?? props.name}
          value={value}
          onChange={onChange}
          onCommit={onCommit}
          readOnly={readOnly}
        />
      );
    default:
      return (
        <input
          id={id}
          type="text"
          className={`gf-field__input ${INTERACTIVE}`}
          value={typeof value === 'string' ? value : value === undefined ? '' : String(value)}
          placeholder={spec.placeholder}
          readOnly={readOnly}
          onChange={(event) => onChange(event.target.value, true)}
          onBlur={onCommit}
        />
      );
  }
}
