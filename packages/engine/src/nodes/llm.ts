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
import {
  type JsonSchema,
  MAX_SCHEMA_BYTES,
  readJsonSchema,
  schemaFields,
  schemaOutputPorts,
} from '../jsonSchema';
import type { FieldSpec, JsonValue, LogLevel, NodeMeta, PortMap, RunContext } from '../types';
import { type Attempt, SOURCE } from '../run/attempt';
import { getDefaultMaxOutputTokens } from '../providers/budget';
import { estimateTokens, IMAGE_INPUT_TOKENS } from '../providers/pricing';
import { meterCall, reserveModelCall } from './metering';
import { callStructured } from './structured';
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

/** The sampling temperature of a model call, an advanced setting of the LLM, Router and Vision nodes. */
export const temperatureField: FieldSpec = {
  kind: 'number',
  label: 'Temperature',
  min: 0,
  max: 2,
  step: 0.1,
  advanced: true,
  help: "Empty: the model's default.",
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

const RESERVED_OUTPUTS = ['text', 'json'];

/**
 * A node's JSON Schema setting: an object (what the schema builder writes) or JSON text (how
 * older workflows kept it); empty means none. Refused when it is not a schema the engine can
 * check answers against, or when a property would shadow the node's own outputs.
 */
export const JsonSchemaSetting = z
  .union([z.string().max(MAX_SCHEMA_BYTES), z.record(z.string(), z.unknown())])
  .default('')
  .superRefine((value, ctx) => {
    const { schema, problem } = readJsonSchema(value);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return;
    }
    if (schema && JSON.stringify(schema).length > MAX_SCHEMA_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `The schema is larger than ${MAX_SCHEMA_BYTES} bytes.`,
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
    /**
     * Structured output, in JSON mode: a JSON Schema the answer must match, sent in the
     * provider's native mode. Its top-level properties become outputs of their own.
     */
    jsonSchema: JsonSchemaSetting,
  })
  .superRefine(checkModelId)
  .superRefine((data, ctx) => {
    if (!data.jsonMode) return;
    for (const field of schemaFields(readJsonSchema(data.jsonSchema).schema)) {
      if (RESERVED_OUTPUTS.includes(field.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['jsonSchema'],
          message: `The property "${field.name}" would hide the node's own ${field.name} output: rename it.`,
        });
      }
    }
  });

function schemaOf(data: { jsonMode?: boolean; jsonSchema?: unknown }): JsonSchema | undefined {
  return data.jsonMode ? readJsonSchema(data.jsonSchema).schema : undefined;
}

/** Calls a language model with a prompt; streams its answer token by token. */
export const llmNode = /* @__PURE__ */ defineNode({
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
  outputs: (data: z.output<typeof LLMData>): PortMap =>
    data.jsonMode
      ? {
          text: { type: 'text', label: 'Text' },
          json: { type: 'json', label: 'JSON', description: 'The whole answer.' },
          ...schemaOutputPorts(schemaOf(data), RESERVED_OUTPUTS),
        }
      : { text: { type: 'text', label: 'Text' } },
  data: LLMData,
  fields: {
    provider: providerField,
    model: /* @__PURE__ */ modelField('models'),
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
    temperature: temperatureField,
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
      kind: 'schema',
      label: 'Output schema',
      showWhen: { jsonMode: [true] },
      help: 'Optional: the answer must match it; each field becomes an output.',
    },
  },
  previewOutput: 'text',
  run: async (args) => {
    const { nodeId, inputs, data, signal, context } = args;
    const schema = schemaOf(data);
    const systemParts = [data.system.trim(), inputs.system?.trim() ?? ''];
    // With a schema the provider asks in its own way (native mode, or the schema in the prompt).
    if (data.jsonMode && !schema) systemParts.push('Answer with one JSON value and nothing else.');
    const request: ProviderCallRequest = {
      provider: data.provider,
      prompt: fillPrompt(data.prompt, inputs.prompt, inputs.context ?? []),
      signal,
    };
    const system = systemParts.filter(Boolean).join('\n\n');
    if (system) request.system = system;
    if (data.model) request.model = data.model;
    if (data.temperature !== undefined) request.temperature = data.temperature;
    if (data.maxTokens !== undefined) request.maxTokens = data.maxTokens;

    if (!data.jsonMode) return { text: (await callModel(context, request, args)).text };
    const answer = await callStructured(
      context,
      request,
      args,
      schema ? { nodeId, schema } : { nodeId },
    );
    const outputs: Record<string, unknown> = { text: answer.completion.text, json: answer.value };
    const record =
      answer.value !== null && typeof answer.value === 'object' && !Array.isArray(answer.value)
        ? answer.value
        : {};
    for (const name of Object.keys(schemaOutputPorts(schema, RESERVED_OUTPUTS))) {
      // An optional field the model left out flows on as null, so the nodes after it still run.
      outputs[name] = Object.hasOwn(record, name) ? record[name] : null;
    }
    return outputs;
  },
});
