import * as z from 'zod';
import { defineNode } from '../defineNode';

const MergeData = z.object({
  /** `all`: the list of every value that arrived; `first`: the first one, in edge order. */
  mode: z.enum(['all', 'first']).default('all'),
});

/**
 * Joins branches: runs once every upstream has settled, with the values of the branches that
 * were taken (untaken ones add nothing). Skipped when no branch was taken.
 */
export const mergeNode = /* @__PURE__ */ defineNode({
  type: 'merge',
  label: 'Merge',
  category: 'Flow',
  description: 'Joins branches: the values of those taken, as a list or the first one.',
  inputs: {
    values: {
      type: 'any',
      required: true,
      multiple: true,
      label: 'Values',
      description: 'Connect every branch; untaken ones add nothing.',
    },
  },
  outputs: { value: { type: 'any', label: 'Value' } },
  data: MergeData,
  fields: {
    mode: {
      kind: 'select',
      label: 'Output',
      options: [
        { value: 'all', label: 'A list of every value' },
        { value: 'first', label: 'The first value' },
      ],
    },
  },
  run: ({ inputs, data }) => ({ value: data.mode === 'first' ? inputs.values[0] : inputs.values }),
});
