import { GalaxyError } from '../errors';
import { compileJsonSchema, type JsonSchema } from '../jsonSchema';
import { providerError } from '../providers/errors';
import type { Completion, ProviderCallRequest } from '../providers/providerSet';
import type { JsonValue, NodeMeta, RunContext } from '../types';
import { callModel, completionMeta, extractJson, type ModelCallIO } from './llm';

/** Most characters of a rejected answer quoted back to the model in the repair prompt. */
const MAX_QUOTED_ANSWER = 8_000;
/** Most problems listed in the repair prompt, the error and the log. */
const MAX_PROBLEMS = 10;

/** What a structured call needs beyond the request: the schema, and whom errors concern. */
export interface StructuredCallOptions {
  nodeId: string;
  /** The schema the answer must match; without one the answer only has to be JSON. */
  schema?: JsonSchema;
  /** The schema's name for APIs that want one (`json_schema.name`). Default `answer`. */
  schemaName?: string;
}

/** A checked answer: its JSON, and the completion that gave it. */
export interface StructuredAnswer {
  value: JsonValue;
  completion: Completion;
  /** Whether the first answer was rejected and the repair call's was kept. */
  repaired: boolean;
}

function problemsOf(
  text: string,
  check: ((value: unknown) => string[]) | undefined,
): { value?: JsonValue; problems: string[] } {
  let value: JsonValue;
  try {
    value = extractJson(text);
  } catch (error) {
    return { problems: [`(root): not valid JSON (${(error as Error).message})`] };
  }
  const problems = check ? check(value) : [];
  return problems.length > 0 ? { problems } : { value, problems };
}

type MeterMeta = Pick<NodeMeta, 'usage' | 'costUsd'>;

/**
 * The usage and cost of the answer and its repair together, so the node's result (and the
 * ledger written from it) counts both calls; the cost only when both calls were priced.
 */
function sumMetered(a: MeterMeta, b: MeterMeta): MeterMeta {
  const total: MeterMeta = {};
  if (a.usage || b.usage) {
    const usage: NonNullable<NodeMeta['usage']> = {};
    for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
      const x = a.usage?.[key];
      const y = b.usage?.[key];
      if (x !== undefined || y !== undefined) usage[key] = (x ?? 0) + (y ?? 0);
    }
    if (a.usage?.estimated || b.usage?.estimated) usage.estimated = true;
    total.usage = usage;
  }
  if (a.costUsd !== undefined && b.costUsd !== undefined) total.costUsd = a.costUsd + b.costUsd;
  return total;
}

/** The call's own IO, remembering the usage and cost it records. */
function metered(io: ModelCallIO, into: MeterMeta): ModelCallIO {
  return {
    ...io,
    setMeta: (meta) => {
      if (meta.usage !== undefined) into.usage = meta.usage;
      if (meta.costUsd !== undefined) into.costUsd = meta.costUsd;
      io.setMeta(meta);
    },
  };
}

function repairPrompt(prompt: string, answer: string, problems: readonly string[]): string {
  const quoted =
    answer.length > MAX_QUOTED_ANSWER ? `${answer.slice(0, MAX_QUOTED_ANSWER)}…` : answer;
  return [
    prompt,
    `Your previous answer was:\n${quoted}`,
    `It was rejected because it does not match the required JSON Schema:\n${problems.map((p) => `- ${p}`).join('\n')}`,
    'Answer again with one JSON value that fixes these problems, and nothing else.',
  ].join('\n\n');
}

/**
 * Asks for a JSON answer in the provider's native structured-output mode, checks it against the
 * schema, and when it does not match asks once more with the problems listed. A second miss
 * fails with `E_STRUCTURED_OUTPUT_INVALID` (`E_LLM_INVALID_JSON` without a schema), carrying the
 * problems; it is not retryable, since the repair call was the retry.
 */
export async function callStructured(
  context: RunContext,
  request: ProviderCallRequest,
  io: ModelCallIO,
  options: StructuredCallOptions,
): Promise<StructuredAnswer> {
  const { schema, nodeId } = options;
  const check = schema ? compileJsonSchema(schema).check : undefined;
  const call: ProviderCallRequest = { ...request, json: true };
  if (schema) call.responseSchema = { name: options.schemaName ?? 'answer', schema };

  const firstMeter: MeterMeta = {};
  const first = await callModel(context, call, metered(io, firstMeter));
  const firstCheck = problemsOf(first.text, check);
  if (firstCheck.problems.length === 0)
    return { value: firstCheck.value!, completion: first, repaired: false };

  const listed = firstCheck.problems.slice(0, MAX_PROBLEMS);
  io.log(
    'warn',
    `The answer does not match the schema; asking once more with ${firstCheck.problems.length === 1 ? 'the problem' : `${firstCheck.problems.length} problems`}.`,
    {
      problems: listed,
    },
  );
  // The rejected answer has been streamed already; the repair is not, so the two do not run together.
  const secondMeter: MeterMeta = {};
  const repairIO: ModelCallIO = metered({ ...io, emit: () => {} }, secondMeter);
  const second = await callModel(
    context,
    { ...call, prompt: repairPrompt(call.prompt, first.text, listed) },
    repairIO,
  );
  io.setMeta({ ...completionMeta(second), ...sumMetered(firstMeter, secondMeter), repairs: 1 });
  const secondCheck = problemsOf(second.text, check);
  if (secondCheck.problems.length === 0)
    return { value: secondCheck.value!, completion: second, repaired: true };

  const problems = secondCheck.problems.slice(0, MAX_PROBLEMS);
  const details = { provider: second.provider, model: second.model, problems };
  const summary = `${problems.slice(0, 3).join('; ')}${secondCheck.problems.length > 3 ? ` (and ${secondCheck.problems.length - 3} more)` : ''}`;
  if (!schema) {
    throw providerError(
      'E_LLM_INVALID_JSON',
      `The answer is not valid JSON, even after one repair request: ${summary}.`,
      { nodeId, details },
    );
  }
  throw new GalaxyError(
    'E_STRUCTURED_OUTPUT_INVALID',
    `The answer does not match the JSON Schema, even after one repair request: ${summary}.`,
    {
      nodeId,
      details,
    },
  );
}
