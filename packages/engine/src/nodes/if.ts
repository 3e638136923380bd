import * as z from 'zod';
import {
  CombineSchema,
  ConditionSchema,
  evaluateConditions,
  MAX_CONDITIONS,
} from '../conditions/conditions';
import { defineNode } from '../defineNode';
import { conditionError } from './branchErrors';

const IfData = z.object({
  /** What is checked; the value goes out of `true` when they hold, else out of `false`. */
  conditions: z
    .array(ConditionSchema)
    .min(1, 'Conditions: add at least one condition.')
    .max(MAX_CONDITIONS, `Conditions: at most ${MAX_CONDITIONS}.`)
    .default([{ left: '{{value}}', operator: 'is_not_empty', right: '' }]),
  /** `all`: every condition must hold; `any`: one is enough. */
  combine: CombineSchema.default('all'),
  /** Compare text with case. */
  caseSensitive: z.boolean().default(true),
});

/**
 * Sends its input down one of two branches: out of `true` when the conditions hold, out of
 * `false` otherwise. The other output stays unset, so the nodes that need it are skipped
 * (`E_BRANCH_NOT_TAKEN`).
 */
export const ifNode = /* @__PURE__ */ defineNode({
  type: 'if',
  label: 'If',
  category: 'Flow',
  description: 'Sends the value down the true or the false branch, by conditions you build.',
  inputs: { value: { type: 'any', required: true, label: 'Value' } },
  outputs: {
    true: { type: 'any', label: 'True', description: 'The value, when the conditions hold.' },
    false: { type: 'any', label: 'False', description: 'The value, when they do not.' },
  },
  data: IfData,
  fields: {
    conditions: { kind: 'conditions', label: 'Conditions' },
    combine: {
      kind: 'select',
      label: 'Match',
      options: [
        { value: 'all', label: 'All conditions' },
        { value: 'any', label: 'Any condition' },
      ],
    },
    caseSensitive: { kind: 'boolean', label: 'Case-sensitive', advanced: true },
  },
  previewOutput: 'true',
  run: ({ inputs, data, nodeId }) => {
    let holds: boolean;
    try {
      holds = evaluateConditions(data.conditions, data.combine, inputs.value, {
        caseSensitive: data.caseSensitive,
      });
    } catch (error) {
      throw conditionError(error, nodeId);
    }
    return holds ? { true: inputs.value } : { false: inputs.value };
  },
});
