import * as z from 'zod';
import { defineNode } from '../defineNode';

const IMAGE_URL = /^(?:https?:\/\/\S+|data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+)$/i;

/** An image by URL or inline data URL: the usual start of a Vision workflow. */
export const imageNode = defineNode({
  type: 'image',
  label: 'Image',
  category: 'Input',
  description: 'An image by http(s) URL or data: URL, for Vision nodes.',
  inputs: {},
  outputs: { image: { type: 'image', label: 'Image' } },
  data: z.object({
    url: z
      .string()
      .trim()
      .min(1, { message: 'Set the image: an https:// URL or a data:image/…;base64 URL.', abort: true })
      .max(8_000_000, 'The image is too large to keep in the workflow; link it by URL instead.')
      .regex(IMAGE_URL, 'Use an https:// URL or a data:image/png|jpeg|gif|webp;base64 URL.')
      .default(''),
  }),
  fields: { url: { kind: 'text', label: 'Image URL', placeholder: 'https://… or data:image/png;base64,…' } },
  previewOutput: 'image',
  // Fetching (with its SSRF guard) happens in the Vision node, on the server.
  run: ({ data }) => ({ image: data.url }),
});
