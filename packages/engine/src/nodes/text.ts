import * as z from 'zod';
import { defineNode } from '../defineNode';

const TextData = z.object({ text: z.string().max(1_000_000).default('') });

/** A piece of text the user types: the usual start of a workflow. */
export const textNode = /* @__PURE__ */ defineNode({
  type: 'text',
  label: 'Text',
  category: 'Input',
  description: 'A piece of text you type, passed to the nodes it connects to.',
  inputs: {},
  outputs: { text: { type: 'text', label: 'Text' } },
  data: TextData,
  fields: { text: { kind: 'textarea', label: 'Text', placeholder: 'Type or paste text…' } },
  run: ({ data }) => ({ text: data.text }),
});
