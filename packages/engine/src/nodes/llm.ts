import * as z from 'zod';
import { defineNode } from '../defineNode';
import { providerCatalog } from '../providers/catalog';
import { getProviderSet, getUserId } from '../providers/context';
import { providerError } from '../providers/errors';
import { defaultProviderOf } from '../providers/listing';
import { MAX_MODEL_ID_LENGTH, modelIdGrammarOf, modelIdProblem } from '../providers/modelId';
import {
  type Completion,
  type ProviderCallEvent,
  type ProviderCallRequest,
  providerNotConfigured,
} from '../providers/providerSet';
import type { FieldSpec, JsonValue, LogLevel, NodeMeta, RunContext } from '../types';
import { type Attempt, SOURCE } from '../run/attempt';
import { getDefaultMaxOutputTokens } from '../providers/budget';
import { estimateTokens, IMAGE_INPUT_TOKENS } from '../providers/pricing';
import { meterCall, reserveModelCall } from './metering';
import { renderTemplate } from './template';

const INPUT = /\{\{\s*input\s*\}\}/;
const CONTEXT = /\{\{\s*context\s*\}\}/;

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value, null, 2);
}

/**
 * Fills a prompt template: `{{input}}` takes the prompt input, `{{context}}` the context
 * inputs (one block each). An input the template does not mention is appended after it,
 * so connecting an edge is never silently ignored.
 */
export function fillPrompt(
  template: string,
  input: string | undefined,
  context: readonly unknown[] = [],
): string {
  const contextText = context.map(asText).filter(Boolean).join('\n\n');
  let prompt = renderTemplate(template, { input: input ?? '', context: contextText });
  if (input && !INPUT.test(template)) prompt = prompt ? `${prompt}\n\n${input}` : input;
  if (contextText && !CONTEXT.test(template)) prompt = `${prompt}\n\nContext:\n${contextText}`;
  return prompt.trim();
}

/**
 * Editor choices for the provider field: "Server default" and the built-ins. A connected editor
 * lists the server's configured providers instead (`optionsFrom`).
 */
export const providerField: FieldSpec = {
  kind: 'select',
  label: 'Provider',
  options: [
    { value: '', label: 'Server default' },
    ...providerCatalog.map((info) => ({ value: info.name, label: info.label })),
  ],
  optionsFrom: 'providers',
  help: 'Which service answers; "Server default" is whichever the server has.',
};

/** Editor choices for a model field, grouped by provider in the labels. */
export function modelField(kind: 'models' | 'visionModels' | 'imageModels'): FieldSpec {
  return {
    kind: 'select',
    label: 'Model',
    options: [
      { value: '', label: "Provider's default" },
      ...providerCatalog.flatMap((info) =>
        info[kind].map((model) => ({ value: model, label: `${info.label} · ${model}` })),
      ),
    ],
    allowCustom: true,
    placeholder: "Provider's default",
    help: 'Any model id the provider offers; leave empty for its default.',
  };
}

/** Settings every model-calling node shares. */
export const modelCallData = {
  /** The provider to ask; empty for the server's default (its first configured provider). */
  provider: z.string().trim().max(64).default(''),
  model: z.string().trim().max(MAX_MODEL_ID_LENGTH).default(''),
  system: z.string().max(100_000).default(''),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().min(1).max(1_000_000).optional(),
};

/**
 * Refuses a model id outside its provider's grammar as an issue on the node's `model` field,
 * so validation stops the run (and the editor shows why) before any request is made.
 */
export function checkModelId(
  data: { provider: string; model: string },
  ctx: z.RefinementCtx,
): void {
  const problem = modelIdProblem(modelIdGrammarOf(data.provider), data.model);
  if (problem)
    ctx.addIssue({ code: 'custom', path: ['model'], message: problem, input: data.model });
}

/** Logs retries and fallbacks as they happen, so the run's log tells the story of the call. */
export function logProviderEvent(
  log: (level: LogLevel, message: string, data?: JsonValue) => void,
) {
  return (event: ProviderCallEvent) => {
    if (event.type === 'retry') {
      log(
        'warn',
        `${event.provider} attempt ${event.attempt} failed (${event.error.code}); retrying in ${event.delayMs} ms.`,
        {
          provider: event.provider,
          model: event.model,
          attempt: event.attempt,
          delayMs: event.delayMs,
          code: event.error.code,
        },
      );
    } else {
      log(
        'warn',
        `${event.from} failed (${event.error.code}: ${event.error.message}); falling back to ${event.to} (${event.model}).`,
        {
          from: event.from,
          to: event.to,
          model: event.model,
          code: event.error.code,
        },
      );
    }
  };
}

/** Provider, model, attempts, and usage and finish reason when known: what both records share. */
function answeredBy(completion: Completion): { [key: string]: JsonValue } {
  const facts: { [key: string]: JsonValue } = {
    provider: completion.provider,
    model: completion.model,
    attempts: completion.attempts,
  };
  if (completion.usage) facts.usage = { ...completion.usage };
  if (completion.finishReason) facts.finishReason = completion.finishReason;
  return facts;
}

/** Records which provider and model answered, with usage, in the run's log. */
export function logCompletion(
  log: (level: LogLevel, message: string, data?: JsonValue) => void,
  completion: Completion,
): void {
  const via =
    completion.fallbackFrom.length > 0 ? ` after ${completion.fallbackFrom.join(', ')} failed` : '';
  const data = { ...answeredBy(completion), fallbackFrom: completion.fallbackFrom };
  log('info', `Answered by ${completion.provider} (${completion.model})${via}.`, data);
}

/** Who answered, as the node's result records it (`NodeResult.meta`). */
export function completionMeta(completion: Completion): NodeMeta {
  return { ...answeredBy(completion), fallbacks: completion.fallbacks };
}

/** What `callModel` needs of the node's run arguments. */
export interface ModelCallIO {
  /** The node making the call, as the run's budget is told. Default `''`. */
  nodeId?: string;
  emit: (delta: string) => void;
  log: (level: LogLevel, message: string, data?: JsonValue) => void;
  setMeta: (meta: NodeMeta) => void;
}

/**
 * Sends a call through the host's providers, streaming text into the node's `emit`, and
 * records who answered in the node's result. The provider set retries and falls back on its
 * own; what it throws is final, so the node's retry policy does not add calls on top.
 */
export async function callModel(
  context: RunContext,
  request: ProviderCallRequest,
  io: ModelCallIO,
): Promise<Completion> {
  const { emit, log, setMeta } = io;
  const providers = getProviderSet(context);
  const images = (request.images?.length ?? 0) > 0;
  const provider =
    request.provider || (providers && defaultProviderOf(providers, { images })) || '';
  if (!providers || provider === '') {
    throw provider === ''
      ? providerError(
          'E_PROVIDER_NOT_CONFIGURED',
          'This server has no model provider configured: set GEMINI_API_KEY, GROQ_API_KEY or OPENAI_COMPATIBLE_BASE_URL on it.',
        )
      : providerNotConfigured(provider, []);
  }
  const call: ProviderCallRequest = { ...request, provider, onEvent: logProviderEvent(log) };
  // The node's run arguments carry its attempt, whose span is the parent of the provider calls.
  const callTrace = (io as { [SOURCE]?: Attempt })[SOURCE]?.trace;
  if (callTrace) call.trace = callTrace;
  const userId = getUserId(context);
  if (userId !== undefined) call.userId = userId;
  const chosen = providers.get(provider);
  const model =
    request.model ||
    (images ? (chosen?.defaultVisionModel ?? chosen?.defaultModel) : chosen?.defaultModel) ||
    '';
  const inputTokens =
    estimateTokens(request.system ?? '') +
    estimateTokens(request.prompt) +
    (request.images?.length ?? 0) * IMAGE_INPUT_TOKENS;
  // The budget is asked before any request: a refusal fails the node with nothing sent.
  const reservation = await reserveModelCall(context, {
    nodeId: io.nodeId ?? '',
    provider,
    model,
    inputTokens,
    maxOutputTokens: request.maxTokens ?? getDefaultMaxOutputTokens(context),
  });
  let completion: Completion;
  try {
    completion = await providers.complete(call, emit);
  } catch (error) {
    reservation?.settle(undefined);
    throw error;
  }
  const metered = meterCall(context, reservation, completion, {
    inputTokens,
    outputTokens: estimateTokens(completion.text),
  });
  // Before any check of the answer, so a result that fails its JSON check still says who gave it.
  setMeta({ ...completionMeta(completion), ...metered });
  logCompletion(log, completion);
  if (completion.finishReason === 'MAX_TOKENS' || completion.finishReason === 'length') {
    log(
      'warn',
      'The answer was cut off at the token limit; raise "Max tokens" for a complete answer.',
    );
  }
  return completion;
}

function compileSchema(text: string): z.ZodType | undefined {
  if (!text.trim()) return undefined;
  return z.fromJSONSchema(JSON.parse(text));
}

const JsonSchemaText = z
  .string()
  .max(100_000)
  .default('')
  .superRefine((text, ctx) => {
    try {
      compileSchema(text);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `Not a usable JSON Schema: ${(error as Error).message}`,
      });
    }
  });

/** The JSON inside an answer, tolerating the Markdown fences models like to add. */
export function extractJson(text: string): JsonValue {
  const trimmed = text.trim();
  const fenced = /^```(?:json|JSON)?\s*\n([\s\S]*?)\n?```$/.exec(trimmed);
  return JSON.parse(fenced ? fenced[1]! : trimmed) as JsonValue;
}

const LLMData = z
  .object({
    ...modelCallData,
    /** The prompt; `{{input}}` is the prompt input, `{{context}}` the context inputs. */
    prompt: z.string().max(1_000_000).default('{{input}}'),
    /** Ask for JSON and check the answer parses (and matches `jsonSchema` when given). */
    jsonMode: z.boolean().default(false),
    /** A JSON Schema the answer must match, in JSON Mode. */
    jsonSchema: JsonSchemaText,
  })
  .superRefine(checkModelId);

/** Calls a language model with a prompt; streams its answer token by token. */
export const llmNode = defineNode({
  type: 'llm',
  label: 'LLM',
  category: 'AI',
  description: 'Asks a language model (Gemini, Groq or a local server) and streams its answer.',
  inputs: {
    prompt: {
      type: 'text',
      required: true,
      label: 'Prompt',
      description: 'Fills {{input}} in the prompt template.',
    },
    system: { type: 'text', label: 'System', description: 'Added to the system prompt.' },
    context: {
      type: 'any',
      multiple: true,
      label: 'Context',
      description: 'Fills {{context}}; appended when the template does not use it.',
    },
  },
  outputs: (data: z.output<typeof LLMData>) =>
    data.jsonMode
      ? { text: { type: 'text', label: 'Text' }, json: { type: 'json', label: 'JSON' } }
      : { text: { type: 'text', label: 'Text' } },
  data: LLMData,
  fields: {
    provider: providerField,
    model: modelField('models'),
    system: {
      kind: 'textarea',
      label: 'System prompt',
      placeholder: 'You are a concise assistant.',
    },
    prompt: {
      kind: 'textarea',
      label: 'Prompt',
      placeholder: 'Summarize: {{input}}',
      help: '{{input}} is the prompt input, {{context}} the context inputs.',
    },
    temperature: {
      kind: 'number',
      label: 'Temperature',
      min: 0,
      max: 2,
      step: 0.1,
      advanced: true,
      help: "Empty: the model's default.",
    },
    maxTokens: {
      kind: 'number',
      label: 'Max tokens',
      min: 1,
      step: 1,
      advanced: true,
      help: "Empty: the model's default.",
    },
    jsonMode: {
      kind: 'boolean',
      label: 'JSON mode',
      help: 'Ask for JSON and check the answer; adds a JSON output.',
    },
    jsonSchema: {
      kind: 'code',
      label: 'JSON Schema',
      placeholder: '{ "type": "object", "required": ["title"] }',
      showWhen: { jsonMode: [true] },
      help: 'Optional: the answer must match it.',
    },
  },
  previewOutput: 'text',
  run: async (args) => {
    const { nodeId, inputs, data, signal, context } = args;
    const schema = data.jsonMode ? compileSchema(data.jsonSchema) : undefined;
    const systemParts = [data.system.trim(), inputs.system?.trim() ?? ''];
    if (data.jsonMode) {
      systemParts.push(
        schema
          ? `Answer with one JSON value and nothing else. It must match this JSON Schema:\n${data.jsonSchema.trim()}`
          : 'Answer with one JSON value and nothing else.',
      );
    }
    const request: ProviderCallRequest = {
      provider: data.provider,
      prompt: fillPrompt(data.prompt, inputs.prompt, inputs.context ?? []),
      json: data.jsonMode,
      signal,
    };
    const system = systemParts.filter(Boolean).join('\n\n');
    if (system) request.system = system;
    if (data.model) request.model = data.model;
    if (data.temperature !== undefined) request.temperature = data.temperature;
    if (data.maxTokens !== undefined) request.maxTokens = data.maxTokens;

    const completion = await callModel(context, request, args);
    if (!data.jsonMode) return { text: completion.text };

    let json: JsonValue;
    try {
      json = extractJson(completion.text);
    } catch (error) {
      // Models often get it right on a second try: retryable.
      throw providerError(
        'E_LLM_INVALID_JSON',
        `The answer is not valid JSON (${(error as Error).message}).`,
        {
          nodeId,
          retryable: true,
          cause: error,
          details: { provider: completion.provider, model: completion.model },
        },
      );
    }
    if (schema) {
      const checked = schema.safeParse(json);
      if (!checked.success) {
        const issues = checked.error.issues
          .slice(0, 5)
          .map(
            (issue) =>
              `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`,
          );
        throw providerError(
          'E_LLM_INVALID_JSON',
          `The answer does not match the JSON Schema: ${issues.join('; ')}.`,
          {
            nodeId,
            retryable: true,
            details: { provider: completion.provider, model: completion.model, issues },
          },
        );
      }
    }
    return { text: completion.text, json };
  },
});
