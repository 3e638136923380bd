import * as z from 'zod';
import { defineNode, isValidPortName } from '../defineNode';
import { GalaxyError } from '../errors';
import { JsonValueSchema } from '../model';
import { frameOf } from '../run/attempt';
import type { PortMap } from '../types';

export const PortTypeSchema = z.enum(['text', 'image', 'json', 'any']);
/** A workflow input or output name: it becomes a port of the Workflow nodes that call the workflow. */
export const PortNameSchema = z
  .string()
  .refine(isValidPortName, { message: 'Use letters, digits and _ (not starting with a digit).' });

const InputData = z.object({
  /** The input's name: a key of the run's `inputs`, and a port of Workflow nodes calling this workflow. */
  name: PortNameSchema.default('input'),
  /** What the input holds. Default `any`. */
  valueType: PortTypeSchema.default('any'),
  /** Fail when the run gives no value and there is no default. Default false. */
  required: z.boolean().default(false),
  /** The value when the run gives none. */
  default: JsonValueSchema.optional(),
});

/**
 * A named input of a workflow. In a run a host starts it takes `RunOptions.inputs[name]`; when
 * the workflow runs inside a Workflow or Map node, the value wired into that port. Without
 * either it takes its default; with no default it gives nothing (or fails, when required).
 */
export const inputNode = /* @__PURE__ */ defineNode({
  type: 'input',
  label: 'Input',
  category: 'Workflow',
  description: 'A named input of this workflow: a port of the Workflow nodes that call it.',
  inputs: {},
  outputs: (data: z.output<typeof InputData>): PortMap => ({
    value: { type: data.valueType, label: data.name },
  }),
  data: InputData,
  fields: {
    name: {
      kind: 'text',
      label: 'Name',
      placeholder: 'topic',
      help: 'Becomes a port of the Workflow nodes that call this workflow.',
    },
    valueType: { kind: 'select', label: 'Type', options: ['any', 'text', 'json', 'image'] },
    required: { kind: 'boolean', label: 'Required' },
    default: { kind: 'json', label: 'Default value', advanced: true },
  },
  run: (args) => {
    const { data, nodeId } = args;
    const inputs = frameOf(args)?.frame.inputs ?? {};
    const value =
      Object.hasOwn(inputs, data.name) && inputs[data.name] !== undefined
        ? inputs[data.name]
        : data.default;
    if (value === undefined) {
      if (data.required)
        throw new GalaxyError(
          'E_WORKFLOW_INPUT_MISSING',
          `The workflow input "${data.name}" is required and got no value.`,
          { nodeId, details: { input: data.name } },
        );
      return {};
    }
    return { value } as { value: unknown };
  },
});
