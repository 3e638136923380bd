import type { AnyNodeDefinition, FieldSpec } from '@galaxyflow/engine';
import type { EditorNodeData } from '../../types';

const MAX = 80;

function firstLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > MAX ? `${trimmed.slice(0, MAX)}…` : trimmed;
}

function optionLabel(spec: FieldSpec, value: unknown): string | undefined {
  if (spec.kind !== 'select') return undefined;
  for (const option of spec.options ?? []) {
    if (typeof option === 'string' ? option === value : option.value === value)
      return typeof option === 'string' ? option : option.label;
  }
  return undefined;
}

function shown(spec: FieldSpec, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const label = optionLabel(spec, value);
  if (label) return label;
  if (typeof value === 'string') return firstLine(value) || undefined;
  if (typeof value === 'number') return `${spec.label ?? ''}${spec.label ? ': ' : ''}${value}`;
  if (typeof value === 'boolean') return value ? spec.label : undefined;
  return undefined;
}

/**
 * The one line a compact node shows of its settings: a model's provider and model, else the
 * first basic setting that has a value (a Text node's first line, a Template's first line).
 */
export function settingSummary(
  definition: AnyNodeDefinition | undefined,
  data: EditorNodeData,
): string | undefined {
  const fields = definition?.fields;
  if (!fields) return undefined;
  const provider = fields.provider;
  const model = fields.model;
  if (provider && model) {
    const providerText = shown(provider, data.provider) ?? 'Server default';
    const modelText = typeof data.model === 'string' && data.model ? data.model : 'default model';
    return `${providerText} · ${modelText}`;
  }
  for (const [name, spec] of Object.entries(fields)) {
    if (spec.advanced || spec.showWhen) continue;
    const text = shown(spec, data[name]);
    if (text) return text;
  }
  return undefined;
}
