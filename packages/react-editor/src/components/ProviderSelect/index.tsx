import type { FieldSpec } from '@galaxyflow/engine';
import { useEditorState } from '../../hooks/useEditorState';

export interface ProviderSelectProps {
  /** The DOM id the label points at. */
  id: string;
  spec: FieldSpec;
  /** The node's provider: empty for the server default. */
  value: string;
  onChange: (value: string) => void;
  readOnly: boolean;
}

const INTERACTIVE = 'nodrag nowheel nopan';

function optionsOf(spec: FieldSpec): { value: string; label: string }[] {
  return (spec.options ?? []).map((option) =>
    typeof option === 'string' ? { value: option, label: option } : option,
  );
}

/**
 * The Provider field: "Server default" and the providers the server configured, as
 * `GET /providers` listed them (the built-ins until it has answered, or without a client that
 * can ask). A value the server lacks stays visible, marked, so the user sees what to change.
 */
export function ProviderSelect({ id, spec, value, onChange, readOnly }: ProviderSelectProps) {
  const list = useEditorState((state) => state.providers);
  const defaultLabel = list?.providers.find((provider) => provider.default)?.label;
  const options = list
    ? [
        { value: '', label: defaultLabel ? `Server default (${defaultLabel})` : 'Server default' },
        ...list.providers.map((provider) => ({ value: provider.name, label: provider.label })),
      ]
    : optionsOf(spec);
  const known = options.some((option) => option.value === value);
  return (
    <select
      id={id}
      className={`gf-field__input ${INTERACTIVE}`}
      value={value}
      disabled={readOnly}
      aria-invalid={!known}
      onChange={(event) => onChange(event.target.value)}
    >
      {!known && <option value={value}>{`${value} (not on this server)`}</option>}
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}
