import * as z from 'zod';
import { defineNode } from '../defineNode';
import { getFileLoader, getImageFetcher, getUserId } from '../providers/context';
import { providerError } from '../providers/errors';
import { fileIdOf, isDataUrl, parseImageDataUrl } from '../providers/images';
import type { ProviderCallRequest } from '../providers/providerSet';
import type { ImageData } from '../providers/types';
import type { RunContext } from '../types';
import {
  callModel,
  checkModelId,
  fillPrompt,
  modelCallData,
  modelField,
  providerField,
  temperatureField,
} from './llm';

/** Most images one Vision node sends in one call. */
export const MAX_VISION_IMAGES = 16;
const DEFAULT_PROMPT = 'Describe this image in detail.';
const PROMPT_HELP = `{{input}} is the prompt input. Empty: "${DEFAULT_PROMPT}"`;

/**
 * Turns image inputs into bytes a model accepts: data URLs are read here (any runtime),
 * uploaded files (`galaxy-file:<id>`) go to the host's `context.loadFile` as the run's owner
 * (never to the URL fetcher), http(s) URLs to the host's `context.fetchImage`, which guards
 * against SSRF.
 */
export async function loadImages(
  values: readonly unknown[],
  context: RunContext,
  signal: AbortSignal,
): Promise<ImageData[]> {
  if (values.length > MAX_VISION_IMAGES) {
    throw providerError(
      'E_IMAGE_INVALID',
      `A Vision node takes at most ${MAX_VISION_IMAGES} images; it received ${values.length}.`,
    );
  }
  return Promise.all(
    values.map(async (value, index) => {
      if (typeof value !== 'string' || value.trim() === '') {
        throw providerError('E_IMAGE_INVALID', `Image ${index + 1} is not a URL or a data URL.`);
      }
      if (isDataUrl(value)) return parseImageDataUrl(value);
      const fileId = fileIdOf(value.trim());
      if (fileId !== undefined) {
        const loadFile = getFileLoader(context);
        if (!loadFile) {
          throw providerError(
            'E_IMAGE_FILE_UNAVAILABLE',
            'This host cannot read uploaded files: give runWorkflow a context.loadFile (createFileLoader from @galaxyflow/server-adapter).',
          );
        }
        return loadFile(fileId, { signal, userId: getUserId(context) });
      }
      if (!/^https?:\/\//i.test(value.trim())) {
        throw providerError(
          'E_IMAGE_INVALID',
          `Image ${index + 1} must be a data: URL or an http(s) URL.`,
          {
            details: { scheme: value.trim().split(':')[0]?.slice(0, 20) ?? '' },
          },
        );
      }
      const fetchImage = getImageFetcher(context);
      if (!fetchImage) {
        throw providerError(
          'E_IMAGE_FETCH_UNAVAILABLE',
          'This host cannot download image URLs: pass a data: URL, or give runWorkflow a context.fetchImage (createImageFetcher from @galaxyflow/engine/node).',
        );
      }
      return fetchImage(value.trim(), { signal });
    }),
  );
}

const VisionData = z
  .object({
    ...modelCallData,
    /** What to ask about the images; `{{input}}` is the prompt input. */
    prompt: z.string().max(1_000_000).default('{{input}}'),
  })
  .superRefine(checkModelId);

/** Asks a vision model about one or more images. */
export const visionNode = /* @__PURE__ */ defineNode({
  type: 'vision',
  label: 'Vision',
  category: 'AI',
  description:
    'Asks a vision model about images (data URLs or http(s) URLs) and streams its answer.',
  inputs: {
    image: {
      type: 'image',
      required: true,
      multiple: true,
      label: 'Image',
      description: 'A data: URL or an http(s) URL.',
    },
    prompt: { type: 'text', label: 'Prompt', description: 'Fills {{input}} in the prompt.' },
  },
  outputs: { text: { type: 'text', label: 'Text' } },
  data: VisionData,
  fields: {
    provider: providerField,
    model: /* @__PURE__ */ modelField('visionModels'),
    prompt: {
      kind: 'textarea',
      label: 'Prompt',
      placeholder: DEFAULT_PROMPT,
      help: PROMPT_HELP,
    },
    system: { kind: 'textarea', label: 'System prompt', advanced: true },
    temperature: temperatureField,
    maxTokens: { kind: 'number', label: 'Max tokens', min: 1, step: 1, advanced: true },
  },
  run: async (args) => {
    const { inputs, data, signal, context } = args;
    const images = await loadImages(inputs.image, context, signal);
    const request: ProviderCallRequest = {
      provider: data.provider,
      prompt: fillPrompt(data.prompt, inputs.prompt) || DEFAULT_PROMPT,
      images,
      signal,
    };
    if (data.system.trim()) request.system = data.system.trim();
    if (data.model) request.model = data.model;
    if (data.temperature !== undefined) request.temperature = data.temperature;
    if (data.maxTokens !== undefined) request.maxTokens = data.maxTokens;
    const completion = await callModel(context, request, args);
    return { text: completion.text };
  },
});
