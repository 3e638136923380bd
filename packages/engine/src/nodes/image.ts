import * as z from 'zod';
import { defineNode } from '../defineNode';
import { fileRef } from '../providers/images';

const IMAGE_URL =
  /^(?:https?:\/\/\S+|data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+)$/i;

const ImageData = z
  .object({
    url: z
      .string()
      .trim()
      .max(8_000_000, 'The image is too large to keep in the workflow; link it by URL instead.')
      .default(''),
    /** An uploaded file (`POST /files` of the server adapter); set, it wins over `url`. */
    fileId: z.string().trim().min(1).max(200).optional(),
  })
  .superRefine((data, ctx) => {
    if (data.fileId !== undefined || data.url.length > 8_000_000) return;
    if (data.url === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'Set the image: upload a file, or an https:// URL or a data:image/…;base64 URL.',
      });
    } else if (!IMAGE_URL.test(data.url)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'Use an https:// URL or a data:image/png|jpeg|gif|webp;base64 URL.',
      });
    }
  });

/** An image by URL or inline data URL: the usual start of a Vision workflow. */
export const imageNode = /* @__PURE__ */ defineNode({
  type: 'image',
  label: 'Image',
  category: 'Input',
  description: 'An uploaded image, or one by http(s) URL or data: URL, for Vision nodes.',
  inputs: {},
  outputs: { image: { type: 'image', label: 'Image' } },
  data: ImageData,
  fields: {
    url: { kind: 'text', label: 'Image URL', placeholder: 'https://… or data:image/png;base64,…' },
  },
  previewOutput: 'image',
  // Fetching (with its SSRF guard) and reading files happen in the Vision node, on the server.
  run: ({ data }) => ({ image: data.fileId !== undefined ? fileRef(data.fileId) : data.url }),
});
