import * as z from 'zod';
import { defineNode, isValidPortName } from '../defineNode';
import { GalaxyError } from '../errors';
import type { PortMap } from '../types';

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The distinct `{{name}}` variables of a template, in order of first use. */
export function templateVariables(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(VARIABLE)) {
    const name = match[1]!;
    if (isValidPortName(name)) names.add(name);
  }
  return [...names];
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(asText).join('\n');
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

/**
 * Fills `{{name}}` placeholders from inputs of the same name. Plain substitution,
 * never evaluation: a value that itself contains `{{x}}` is not expanded again.
 */
export function renderTemplate(
  template: string,
  values: Readonly<Record<string, unknown>>,
): string {
  return template.replace(VARIABLE, (whole, name: string) =>
    Object.hasOwn(values, name) ? asText(values[name]) : whole,
  );
}

const TemplateData = z.object({
  template: z.string().max(1_000_000).default(''),
  /** Fail when a placeholder has no connected value (default), or leave it empty. */
  strict: z.boolean().default(true),
});

/** Text with `{{placeholders}}`; each placeholder becomes an input port. */
export const templateNode = /* @__PURE__ */ defineNode({
  type: 'template',
  label: 'Template',
  category: 'Text',
  description:
    'Text with {{placeholders}} filled from its inputs; each placeholder becomes an input.',
  inputs: (data: z.output<typeof TemplateData>): PortMap =>
    Object.fromEntries(
      templateVariables(data.template).map((name) => [
        name,
        { type: 'any', required: data.strict, label: name },
      ]),
    ),
  outputs: { text: { type: 'text', label: 'Text' } },
  data: TemplateData,
  fields: {
    template: {
      kind: 'textarea',
      label: 'Template',
      placeholder: 'Summarize this: {{input}}',
      help: 'Each {{name}} becomes an input.',
    },
    strict: { kind: 'boolean', label: 'Require every placeholder', advanced: true },
  },
  run: ({ inputs, data, nodeId }) => {
    const values = inputs as Record<string, unknown>;
    if (data.strict) {
      const missing = templateVariables(data.template).filter((name) => values[name] === undefined);
      if (missing.length > 0) {
        throw new GalaxyError(
          'E_INPUT_UNAVAILABLE',
          `Template placeholders without a value: ${missing.join(', ')}.`,
          { nodeId },
        );
      }
    }
    const filled: Record<string, unknown> = {};
    for (const name of templateVariables(data.template)) filled[name] = values[name] ?? '';
    return { text: renderTemplate(data.template, filled) };
  },
});
