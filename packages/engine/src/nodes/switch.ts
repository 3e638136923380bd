import * as z from 'zod';
import {
  checkCondition,
  conditionShape,
  evaluateCondition,
  MAX_CONDITIONS,
} from '../conditions/conditions';
import { defineNode, isValidPortName } from '../defineNode';
import type { PortMap } from '../types';
import { conditionError } from './branchErrors';

/** The output taken when no case matches. */
export const SWITCH_DEFAULT = 'default';

const SwitchCase = z
  .object({
    /** The case's output port: letters, digits and _. */
    name: z.string(),
    ...conditionShape,
  })
  .superRefine((c, ctx) => {
    if (!isValidPortName(c.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `Case name: "${c.name}" must start with a letter or _ and use letters, digits and _ (64 at most).`,
      });
    } else if (c.name === SWITCH_DEFAULT) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: 'Case name: "default" is the output for no match; pick another name.',
      });
    }
    checkCondition(c, ctx);
  });

const SwitchData = z
  .object({
    /** The cases, in order: each is an output, taken when its condition holds. */
    cases: z
      .array(SwitchCase)
      .min(1, 'Cases: add at least one case.')
      .max(MAX_CONDITIONS, `Cases: at most ${MAX_CONDITIONS}.`)
      .default([{ name: 'case1', left: '{{value}}', operator: 'equals', right: '' }]),
    /** `first`: only the first matching case is taken; `all`: every matching case is. */
    mode: z.enum(['first', 'all']).default('first'),
    /** Compare text with case. */
    caseSensitive: z.boolean().default(true),
  })
  .superRefine((data, ctx) => {
    const seen = new Set<string>();
    data.cases.forEach((c, index) => {
      if (seen.has(c.name))
        ctx.addIssue({
          code: 'custom',
          path: ['cases', index, 'name'],
          message: `Case name: "${c.name}" is used by two cases; each case needs its own name.`,
        });
      seen.add(c.name);
    });
  });

/**
 * Sends its input down the cases whose condition holds: the first one, or all of them in
 * `all` mode; `default` when none does. Every other output stays unset (a branch not taken).
 */
export const switchNode = /* @__PURE__ */ defineNode({
  type: 'switch',
  label: 'Switch',
  category: 'Flow',
  description:
    'Sends the value down the first (or every) case whose condition holds, else down default.',
  inputs: { value: { type: 'any', required: true, label: 'Value' } },
  outputs: (data: z.output<typeof SwitchData>): PortMap => {
    const ports: PortMap = {};
    for (const c of data.cases) ports[c.name] = { type: 'any', label: c.name };
    ports[SWITCH_DEFAULT] = {
      type: 'any',
      label: 'Default',
      description: 'The value, when no case matches.',
    };
    return ports;
  },
  data: SwitchData,
  fields: {
    cases: { kind: 'conditions', label: 'Cases', named: true },
    mode: {
      kind: 'select',
      label: 'Take',
      options: [
        { value: 'first', label: 'The first matching case' },
        { value: 'all', label: 'Every matching case' },
      ],
    },
    caseSensitive: { kind: 'boolean', label: 'Case-sensitive', advanced: true },
  },
  run: ({ inputs, data, nodeId }) => {
    const output: Record<string, unknown> = {};
    try {
      for (const c of data.cases) {
        if (!evaluateCondition(c, inputs.value, { caseSensitive: data.caseSensitive })) continue;
        output[c.name] = inputs.value;
        if (data.mode === 'first') break;
      }
    } catch (error) {
      throw conditionError(error, nodeId);
    }
    if (Object.keys(output).length === 0) output[SWITCH_DEFAULT] = inputs.value;
    return output;
  },
});
