import * as z from 'zod';
import { defineNode } from '../defineNode';
import type { JsonValue } from '../types';

const PREVIEW_CHARS = 10_000;

const DebugData = z.object({});

/** Shows what reaches it: passes its input through and records it in the run's log. */
export const debugNode = /* @__PURE__ */ defineNode({
  type: 'debug',
  label: 'Debug',
  category: 'Output',
  description: 'Shows the value it receives and passes it on unchanged.',
  inputs: { value: { type: 'any', required: true, label: 'Value' } },
  outputs: { value: { type: 'any', label: 'Value' } },
  data: DebugData,
  run: ({ inputs, log }) => {
    const value = inputs.value;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    // The log keeps a bounded preview; the full value is the node's output.
    log(
      'info',
      text.length > PREVIEW_CHARS
        ? `${text.slice(0, PREVIEW_CHARS)}… (${text.length} chars)`
        : text,
      {
        type: Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value,
        length: text.length,
      } satisfies JsonValue,
    );
    return { value };
  },
});
