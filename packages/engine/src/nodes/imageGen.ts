import * as z from 'zod';
import { defineNode } from '../defineNode';
import { getFileSaver, getProviderSet, getRunId, getUserId } from '../providers/context';
import { providerError } from '../providers/errors';
import { base64ToBytes } from '../providers/images';
import { MAX_MODEL_ID_LENGTH } from '../providers/modelId';
import {
  type ImageCallRequest,
  noImageGeneration,
  providerNotConfigured,
} from '../providers/providerSet';
import type { ImageData } from '../providers/types';
import { type Attempt, SOURCE } from '../run/attempt';
import type { FieldSpec, RunContext } from '../types';
import { estimateTokens } from '../providers/pricing';
import { checkModelId, fillPrompt, logProviderEvent, modelField, providerField } from './llm';
import { meterCall, reserveModelCall } from './metering';

/**
 * Output tokens one generated image counts for when the provider reports none, and what a
 * budget holds per image before the call: Gemini bills a 1024x1024 picture as 1,290 tokens.
 */
export const IMAGE_OUTPUT_TOKENS = 1290;

/** Most images one node asks for in one run. */
export const MAX_GENERATED_IMAGES = 4;
const SIZE = /^(\d{2,5})x(\d{2,5})$/;
const SIZE_MESSAGE = 'Size must be WIDTHxHEIGHT in pixels, each side 64 to 4096, e.g. 1024x1024.';
const COUNT_MESSAGE = `Count must be a whole number from 1 to ${MAX_GENERATED_IMAGES}.`;
const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

const ImageGenData = z
  .object({
    /** The provider to ask; empty for the server's first provider that can draw. */
    provider: z.string().trim().max(64).default(''),
    /** Image model id; empty for the provider's default image model. */
    model: z.string().trim().max(MAX_MODEL_ID_LENGTH).default(''),
    /** What to draw; `{{input}}` is the prompt input. */
    prompt: z.string().max(100_000).default('{{input}}'),
    /** `WIDTHxHEIGHT`; empty for the model's default. */
    size: z
      .string()
      .trim()
      .default('')
      .refine((size) => {
        if (size === '') return true;
        const match = SIZE.exec(size);
        return (
          match !== null &&
          [match[1], match[2]].every((side) => Number(side) >= 64 && Number(side) <= 4096)
        );
      }, SIZE_MESSAGE),
    /** How many images. */
    count: z
      .number({ message: COUNT_MESSAGE })
      .int(COUNT_MESSAGE)
      .min(1, COUNT_MESSAGE)
      .max(MAX_GENERATED_IMAGES, COUNT_MESSAGE)
      .default(1),
  })
  .superRefine(checkModelId);

/** The provider a node with `provider: ''` uses: the first of the server's that can draw. */
function defaultImageProvider(context: RunContext): string {
  const providers = getProviderSet(context);
  if (!providers || providers.names.length === 0) {
    throw providerError(
      'E_PROVIDER_NOT_CONFIGURED',
      'This server has no model provider configured: set GEMINI_API_KEY or OPENAI_COMPATIBLE_BASE_URL on it to generate images.',
    );
  }
  const name = providers.names.find((n) => providers.get(n)?.generateImage !== undefined);
  if (name === undefined) {
    throw providerError(
      'E_PROVIDER_NO_IMAGE_GENERATION',
      `None of this server's providers (${providers.names.join(', ')}) can generate images: set GEMINI_API_KEY, or OPENAI_COMPATIBLE_BASE_URL to a server with /images/generations.`,
      { details: { providers: [...providers.names] } },
    );
  }
  return name;
}

/** The images as values of an `image` port: stored files when the host saves them, else data URLs. */
async function toImageValues(
  images: readonly ImageData[],
  context: RunContext,
  signal: AbortSignal,
): Promise<string[]> {
  const saveFile = getFileSaver(context);
  if (!saveFile) return images.map((image) => `data:${image.mimeType};base64,${image.base64}`);
  const owner = { signal, userId: getUserId(context), runId: getRunId(context) };
  const values: string[] = [];
  // One at a time: each save counts against the owner's quota as it lands.
  for (const [index, image] of images.entries()) {
    const name = `generated-${index + 1}.${EXTENSIONS[image.mimeType] ?? 'png'}`;
    values.push(
      await saveFile({ bytes: base64ToBytes(image.base64), mimeType: image.mimeType, name }, owner),
    );
  }
  return values;
}

const COUNT_HELP = `How many images, 1 to ${MAX_GENERATED_IMAGES}.`;
const imageProviderField: FieldSpec = {
  ...providerField,
  help: 'Which service draws; "Server default" is the first of the server\'s that can.',
};

/** Draws images from a prompt with an image model; they flow on as stored files. */
export const imageGenNode = /* @__PURE__ */ defineNode({
  type: 'image-gen',
  label: 'Image generation',
  category: 'AI',
  description:
    'Draws images from a prompt (Gemini image models or an OpenAI-compatible /images/generations).',
  inputs: {
    prompt: { type: 'text', label: 'Prompt', description: 'Fills {{input}} in the prompt.' },
  },
  outputs: {
    image: { type: 'image', label: 'Image', description: 'The first image.' },
    images: { type: 'json', label: 'Images', description: 'Every image, in order.' },
  },
  data: ImageGenData,
  fields: {
    provider: imageProviderField,
    model: /* @__PURE__ */ modelField('imageModels'),
    prompt: {
      kind: 'textarea',
      label: 'Prompt',
      placeholder: 'A lighthouse at dusk, watercolor: {{input}}',
      help: '{{input}} is the prompt input.',
    },
    size: {
      kind: 'text',
      label: 'Size',
      placeholder: '1024x1024',
      help: "WIDTHxHEIGHT in pixels; empty: the model's default.",
    },
    count: {
      kind: 'number',
      label: 'Count',
      min: 1,
      max: MAX_GENERATED_IMAGES,
      step: 1,
      help: COUNT_HELP,
    },
  },
  previewOutput: 'image',
  run: async (args) => {
    const { inputs, data, signal, log, setMeta, context } = args;
    const prompt = fillPrompt(data.prompt, inputs.prompt);
    if (prompt === '') {
      throw providerError(
        'E_PROVIDER_BAD_REQUEST',
        'The prompt is empty: write one in the node or connect its Prompt input.',
      );
    }
    const provider = data.provider || defaultImageProvider(context);
    const providers = getProviderSet(context);
    const chosen = providers?.get(provider);
    if (!providers || !chosen) throw providerNotConfigured(provider, providers?.names ?? []);
    if (!chosen.generateImage) throw noImageGeneration(chosen);
    const request: ImageCallRequest = {
      provider,
      prompt,
      count: data.count,
      signal,
      onEvent: logProviderEvent(log),
    };
    if (data.model) request.model = data.model;
    if (data.size) request.size = data.size;
    const userId = getUserId(context);
    if (userId !== undefined) request.userId = userId;
    // The attempt's span is the parent of the provider call's, as for LLM and Vision nodes.
    const callTrace = (args as { [SOURCE]?: Attempt })[SOURCE]?.trace;
    if (callTrace) request.trace = callTrace;
    const model = data.model || chosen.defaultImageModel || chosen.defaultModel;
    const inputTokens = estimateTokens(prompt);
    // The budget is asked before any request: a refusal fails the node with nothing sent.
    const reservation = await reserveModelCall(context, {
      nodeId: args.nodeId,
      provider,
      model,
      inputTokens,
      maxOutputTokens: data.count * IMAGE_OUTPUT_TOKENS,
    });
    let completion: Awaited<ReturnType<typeof providers.generateImages>>;
    try {
      completion = await providers.generateImages(request);
    } catch (error) {
      reservation?.settle(undefined);
      throw error;
    }
    const metered = meterCall(context, reservation, completion, {
      inputTokens,
      outputTokens: completion.images.length * IMAGE_OUTPUT_TOKENS,
    });
    setMeta({
      provider: completion.provider,
      model: completion.model,
      attempts: completion.attempts,
      images: completion.images.length,
      ...metered,
    });
    if (completion.images.length < data.count) {
      log(
        'warn',
        `Asked for ${data.count} images; ${completion.provider} drew ${completion.images.length}.`,
      );
    }
    log(
      'info',
      `Drawn by ${completion.provider} (${completion.model}): ${completion.images.length} image(s).`,
      { provider: completion.provider, model: completion.model, images: completion.images.length },
    );
    const images = await toImageValues(completion.images, context, signal);
    return { image: images[0]!, images };
  },
});
