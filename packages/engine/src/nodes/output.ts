import * as z from 'zod';
import { defineNode } from '../defineNode';
import type { PortMap } from '../types';
import { PortNameSchema, PortTypeSchema } from './input';

const OutputData = z.object({
  /** The output's name: a port of the Workflow nodes that call this workflow. */
  name: PortNameSchema.default('output'),
  /** What the output holds. Default `any`. */
  valueType: PortTypeSchema.default('any'),
});

/** A named result of a workflow: what a Workflow node calling it outputs on the port of that name. */
export const outputNode = /* @__PURE__ */ defineNode({
  type: 'output',
  label: 'Output',
  category: 'Workflow',
  description: 'A named result of this workflow: a port of the Workflow nodes that call it.',
  inputs: (data: z.output<typeof OutputData>): PortMap => ({
    value: { type: data.valueType, required: true, label: data.name },
  }),
  outputs: (data: z.output<typeof OutputData>): PortMap => ({
    value: { type: data.valueType, label: data.name },
  }),
  data: OutputData,
  fields: {
    name: {
      kind: 'text',
      label: 'Name',
      placeholder: 'summary',
      help: 'Becomes an output of the Workflow nodes that call this workflow.',
    },
    valueType: { kind: 'select', label: 'Type', options: ['any', 'text', 'json', 'image'] },
  },
  run: ({ inputs }) => ({ value: (inputs as Record<string, unknown>).value }),
});
