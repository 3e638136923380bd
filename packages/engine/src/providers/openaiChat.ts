import { providerError } from './errors';
import type { GenerateChunk, GenerateRequest, Usage } from './types';

/** A message of the OpenAI chat-completions format, as Groq and local servers accept it. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | {
      role: 'user';
      content:
        | string
        | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[];
    };

/**
 * The request with its response schema written into the system prompt, for APIs whose JSON mode
 * takes no schema (Groq's `json_object`): the answer is then checked against it by the caller.
 */
export function withSchemaInSystem(request: GenerateRequest): GenerateRequest {
  if (!request.responseSchema) return request;
  const rule = `Answer with one JSON value and nothing else. It must match this JSON Schema:\n${JSON.stringify(request.responseSchema.schema)}`;
  return { ...request, system: request.system ? `${request.system}\n\n${rule}` : rule };
}

/** The messages of a request: an optional system message, then the prompt with its images. */
export function toChatMessages(request: GenerateRequest): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  const images = request.images ?? [];
  if (images.length === 0) {
    messages.push({ role: 'user', content: request.prompt });
  } else {
    messages.push({
      role: 'user',
      content: [
        { type: 'text', text: request.prompt },
        ...images.map((image) => ({
          type: 'image_url' as const,
          image_url: { url: `data:${image.mimeType};base64,${image.base64}` },
        })),
      ],
    });
  }
  return messages;
}

interface RawUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
}

/** Maps OpenAI-style usage to `Usage`, or undefined when there is none. */
export function toUsage(raw: RawUsage | null | undefined): Usage | undefined {
  if (!raw) return undefined;
  const usage: Usage = {};
  if (typeof raw.prompt_tokens === 'number') usage.inputTokens = raw.prompt_tokens;
  if (typeof raw.completion_tokens === 'number') usage.outputTokens = raw.completion_tokens;
  if (typeof raw.total_tokens === 'number') usage.totalTokens = raw.total_tokens;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

interface RawChoice {
  delta?: { content?: string | null } | null;
  message?: { content?: string | null } | null;
  finish_reason?: string | null;
}

/** The parts of a chat-completion response or stream chunk this engine reads. */
export interface RawCompletion {
  choices?: RawChoice[] | null;
  usage?: RawUsage | null;
  x_groq?: { usage?: RawUsage | null } | null;
  error?: unknown;
}

/**
 * Accumulates a streamed or whole chat completion into chunks: text as it comes, and the
 * finish reason and usage (sent in the last chunks, by Groq under `x_groq`) for `finish`.
 * `label` names the provider in messages, `name` in error details.
 */
export function createCompletionReader(label: string, name: string = label) {
  let finishReason: string | undefined;
  let usage: Usage | undefined;
  return {
    /** The text chunks of one response or stream chunk. */
    read(raw: RawCompletion): GenerateChunk[] {
      if (raw.error !== undefined && raw.error !== null) {
        const message =
          typeof raw.error === 'string' ? raw.error : (raw.error as { message?: string }).message;
        throw providerError(
          'E_PROVIDER_UNAVAILABLE',
          `${label} reported an error mid-answer: ${message ?? 'unknown error'}`,
          {
            retryable: true,
            details: { provider: name },
          },
        );
      }
      const chunks: GenerateChunk[] = [];
      const choice = raw.choices?.[0];
      const text = choice?.delta?.content ?? choice?.message?.content;
      if (typeof text === 'string' && text.length > 0) chunks.push({ type: 'text', text });
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      usage = toUsage(raw.usage) ?? toUsage(raw.x_groq?.usage) ?? usage;
      return chunks;
    },
    /**
     * Rejects answers a filter withheld and streams that ended early, then gives the closing
     * chunk. A stream is complete once it sent a finish reason or `[DONE]` (`end.done`; SDKs
     * that swallow `[DONE]` leave the finish reason as the only proof). A clean end of the
     * body without either is a connection cut mid-answer, and its text half an answer.
     */
    finish(end: { stream: boolean; done?: boolean } = { stream: false }): GenerateChunk {
      if (finishReason === 'content_filter') {
        throw providerError('E_CONTENT_BLOCKED', `${label} withheld the answer (content filter).`, {
          details: { provider: name },
        });
      }
      if (end.stream && !end.done && finishReason === undefined) {
        throw providerError(
          'E_PROVIDER_RESPONSE',
          `${label} ended the stream before the answer was complete (no finish reason${end.done === false ? ' and no [DONE]' : ''}): the connection was probably cut.`,
          { retryable: true, details: { provider: name } },
        );
      }
      const chunk: GenerateChunk = { type: 'finish' };
      if (usage) chunk.usage = usage;
      if (finishReason) chunk.finishReason = finishReason;
      return chunk;
    },
  };
}
