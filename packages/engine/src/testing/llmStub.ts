import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GalaxyError } from '../errors';
import { createPng } from './png';

/** The API a request spoke: Gemini, Groq (`/openai/v1/chat/completions`) or a generic OpenAI-style server (`/v1/chat/completions`). */
export type StubApi = 'gemini' | 'groq' | 'openai';

/** Token counts a scripted reply reports. */
export interface StubUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Which requests a scripted reply is for. Absent fields match anything. */
export interface StubMatch {
  api?: StubApi;
  model?: string;
}

/** What the stub answers. Every variant may wait `delayMs` first (default: the stub's `latencyMs`). */
export type StubReply =
  /** A successful answer. Streamed requests get `chunks` one SSE event each, `chunkDelayMs` apart. */
  | {
      type: 'text';
      /** The whole answer; split into word-sized chunks when `chunks` is absent. */
      text?: string;
      /** The answer's pieces, in order. */
      chunks?: readonly string[];
      delayMs?: number;
      /** Pause between streamed chunks (a slow stream). Default: the stub's `chunkDelayMs`. */
      chunkDelayMs?: number;
      usage?: StubUsage;
      /** Gemini `finishReason` / OpenAI `finish_reason`. Default `STOP` / `stop`. */
      finishReason?: string;
      match?: StubMatch;
    }
  /** An HTTP error in the API's own error format. */
  | {
      type: 'error';
      status: number;
      message?: string;
      /** Sent as `Retry-After` (seconds, or an HTTP date) and, for Gemini, as `RetryInfo.retryDelay`. */
      retryAfter?: number | string;
      delayMs?: number;
      match?: StubMatch;
    }
  /** Resets the connection (TCP RST), optionally after streaming `chunks` (a stream cut short, 50 ms after the last chunk). */
  | {
      type: 'reset';
      chunks?: readonly string[];
      delayMs?: number;
      chunkDelayMs?: number;
      match?: StubMatch;
    }
  /**
   * Ends the reply cleanly but unfinished, as a server or proxy that gives up mid-answer: a
   * streamed request gets `chunks` and then the end of the body, with no finish reason and no
   * `[DONE]`; any other request gets the first half of its JSON body.
   */
  | {
      type: 'truncate';
      chunks?: readonly string[];
      delayMs?: number;
      chunkDelayMs?: number;
      match?: StubMatch;
    }
  /**
   * A structured answer: `value` as JSON text, streamed in word chunks like `text`. Script an
   * invalid value (or a `text` reply that is not JSON) to exercise a repair retry.
   */
  | {
      type: 'json';
      value: unknown;
      delayMs?: number;
      chunkDelayMs?: number;
      usage?: StubUsage;
      finishReason?: string;
      match?: StubMatch;
    }
  /** Never answers; the request stays open until the client gives up. */
  | { type: 'hang'; match?: StubMatch }
  /** Exactly these bytes. */
  | {
      type: 'raw';
      status: number;
      headers?: Readonly<Record<string, string>>;
      body: string;
      delayMs?: number;
      match?: StubMatch;
    };

/**
 * What a request asked the answer to look like, whatever the API's spelling: OpenAI's and Groq's
 * `response_format`, Gemini's `responseMimeType` and `responseSchema`.
 */
export type StubResponseFormat =
  /** Free text (no response format asked for). */
  | { type: 'text' }
  /** Any JSON value (`json_object`, or Gemini's JSON MIME type without a schema). */
  | { type: 'json_object' }
  /** JSON matching `schema` (OpenAI's `json_schema`, or Gemini's `responseSchema`). */
  | { type: 'json_schema'; schema: unknown; name?: string; strict?: boolean };

/** One request the stub received. */
export interface StubRequest {
  /** 1 for the first request, in arrival order. */
  id: number;
  api: StubApi;
  path: string;
  /** Model id without Gemini's `models/` prefix. */
  model: string;
  stream: boolean;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body. */
  body: unknown;
  /** The user's text, parts joined with `\n`. */
  prompt: string;
  /** The system instruction, if any. */
  system: string | undefined;
  /** Inline images in the request, in order. */
  images: { mimeType: string; base64: string }[];
  /** The answer format the request asked for. */
  responseFormat: StubResponseFormat;
  /**
   * What the request asked for: `image` for OpenAI's `/images/generations` and Gemini calls
   * whose `responseModalities` include `IMAGE`; those are answered with a small PNG.
   */
  kind: 'text' | 'image';
  /** Epoch ms when the request arrived. */
  receivedAt: number;
  /** True once the client closed the connection before the reply was complete. */
  abortedByClient: boolean;
  /** Epoch ms when the exchange ended; undefined while it is open. */
  closedAt: number | undefined;
  /** Resolves when the exchange is over: `byClient` when the client hung up first. */
  closed: Promise<{ byClient: boolean }>;
}

/** A request that matched none of the APIs' model routes; the stub answered it 404. */
export interface StubStrayRequest {
  method: string;
  /** The path as it arrived, before any decoding. */
  path: string;
  /** The query string with its `?`, or empty. */
  search: string;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Epoch ms when the request arrived. */
  receivedAt: number;
}

export interface LLMStubOptions {
  /** Wait before every reply, in ms (a model's latency). Default 0. */
  latencyMs?: number;
  /** Pause between streamed chunks, in ms. Default 0. */
  chunkDelayMs?: number;
  /** The reply when no scripted reply matches. Default: `Echo: <prompt>`, in word chunks. */
  reply?: (request: StubRequest) => StubReply;
  /** When set, requests carrying another key are refused the way each API refuses them. Default: any key. */
  apiKey?: string;
  /** The image every image request gets (each image of it). Default: a 2×2 PNG (`createPng()`). */
  image?: Uint8Array;
}

/**
 * A local stand-in for Gemini, Groq and OpenAI-compatible servers, speaking their real wire
 * formats (JSON and SSE) so the real SDKs can be tested against it without the internet.
 */
export interface LLMStub {
  /** `http://127.0.0.1:<port>`: a Gemini or Groq base URL, and an OpenAI-compatible one. */
  readonly url: string;
  readonly port: number;
  /** Every request so far, in arrival order. */
  readonly requests: readonly StubRequest[];
  /** Requests outside the model routes, in arrival order: a client aimed somewhere it should not have. */
  readonly strayRequests: readonly StubStrayRequest[];
  /** Most requests open at the same moment since the start (or the last `reset`). */
  readonly peakConcurrency: number;
  /** Queues replies; each request takes the first queued reply whose `match` fits. */
  enqueue(...replies: StubReply[]): void;
  /** Resolves once `count` requests have arrived (rejects after `timeoutMs`, default 5,000). */
  waitForRequests(count: number, timeoutMs?: number): Promise<StubRequest[]>;
  /** Resolves with the first request whose client hung up before the reply was complete. */
  waitForClientAbort(timeoutMs?: number): Promise<StubRequest>;
  /** Forgets recorded requests and queued replies. */
  reset(): void;
  /** Stops the server, cutting open connections. */
  close(): Promise<void>;
}

const GEMINI_PATH = /^\/(v1[a-z0-9]*)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;
const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Splits text into word-sized chunks that join back to it exactly. */
export function wordChunks(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? (text ? [text] : []);
}

function routeOf(
  path: string,
): { api: StubApi; model?: string; stream?: boolean; images?: boolean } | undefined {
  const gemini = GEMINI_PATH.exec(path);
  if (gemini)
    return {
      api: 'gemini',
      model: decodeURIComponent(gemini[2]!),
      stream: gemini[3] === 'streamGenerateContent',
    };
  if (path === '/openai/v1/chat/completions') return { api: 'groq' };
  if (path.endsWith('/v1/chat/completions')) return { api: 'openai' };
  if (path.endsWith('/v1/images/generations')) return { api: 'openai', images: true };
  return undefined;
}

interface GeminiBody {
  contents?: { parts?: { text?: string; inlineData?: { mimeType: string; data: string } }[] }[];
  systemInstruction?: string | { parts?: { text?: string }[] };
  generationConfig?: {
    responseModalities?: string[];
    responseMimeType?: string;
    responseSchema?: unknown;
  };
}
interface OpenAIBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  /** `/images/generations`: the prompt and the number of images. */
  prompt?: string;
  n?: number;
  response_format?: {
    type?: string;
    json_schema?: { name?: string; schema?: unknown; strict?: boolean };
  };
  messages?: {
    role: string;
    content: string | { type: string; text?: string; image_url?: { url: string } }[];
  }[];
}

function readGemini(body: GeminiBody) {
  const texts: string[] = [];
  const images: { mimeType: string; base64: string }[] = [];
  for (const content of body.contents ?? []) {
    for (const part of content.parts ?? []) {
      if (typeof part.text === 'string') texts.push(part.text);
      if (part.inlineData)
        images.push({ mimeType: part.inlineData.mimeType, base64: part.inlineData.data });
    }
  }
  const sys = body.systemInstruction;
  const system = typeof sys === 'string' ? sys : sys?.parts?.map((p) => p.text ?? '').join('\n');
  return { prompt: texts.join('\n'), system, images };
}

function readOpenAI(body: OpenAIBody) {
  const texts: string[] = [];
  const systems: string[] = [];
  const images: { mimeType: string; base64: string }[] = [];
  for (const message of body.messages ?? []) {
    const parts =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : message.content;
    for (const part of parts) {
      if (part.type === 'text' && typeof part.text === 'string')
        (message.role === 'system' ? systems : texts).push(part.text);
      if (part.type === 'image_url' && part.image_url) {
        const match = /^data:([^;,]+);base64,(.*)$/s.exec(part.image_url.url);
        if (match) images.push({ mimeType: match[1]!, base64: match[2]! });
      }
    }
  }
  return {
    prompt: texts.join('\n'),
    system: systems.length > 0 ? systems.join('\n') : undefined,
    images,
  };
}

function responseFormatOf(api: StubApi, body: unknown): StubResponseFormat {
  if (api === 'gemini') {
    const config = (body as GeminiBody).generationConfig;
    if (config?.responseSchema !== undefined)
      return { type: 'json_schema', schema: config.responseSchema };
    return config?.responseMimeType === 'application/json' ? { type: 'json_object' } : { type: 'text' };
  }
  const format = (body as OpenAIBody).response_format;
  if (format?.type === 'json_schema') {
    const spec = format.json_schema ?? {};
    const result: StubResponseFormat = { type: 'json_schema', schema: spec.schema };
    if (spec.name !== undefined) result.name = spec.name;
    if (spec.strict !== undefined) result.strict = spec.strict;
    return result;
  }
  return format?.type === 'json_object' ? { type: 'json_object' } : { type: 'text' };
}

function usageFor(request: StubRequest, chunks: readonly string[], usage?: StubUsage): StubUsage {
  return (
    usage ?? {
      inputTokens: request.prompt.split(/\s+/).filter(Boolean).length,
      outputTokens: chunks.length,
    }
  );
}

/** Starts the stub on 127.0.0.1 at a free port. */
export async function startLLMStub(options: LLMStubOptions = {}): Promise<LLMStub> {
  const requests: StubRequest[] = [];
  const strays: StubStrayRequest[] = [];
  const queue: StubReply[] = [];
  const aborted: StubRequest[] = [];
  const abortWaiters = new Set<(request: StubRequest) => void>();
  const arrivalWaiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  let nextId = 1;
  const image = Buffer.from(options.image ?? createPng()).toString('base64');
  let open = 0;
  let peak = 0;

  const defaultReply =
    options.reply ??
    ((request: StubRequest): StubReply => ({ type: 'text', text: `Echo: ${request.prompt}` }));

  function takeReply(request: StubRequest): StubReply {
    const index = queue.findIndex(
      (reply) =>
        (!reply.match?.api || reply.match.api === request.api) &&
        (!reply.match?.model || reply.match.model === request.model),
    );
    if (index >= 0) return queue.splice(index, 1)[0]!;
    return defaultReply(request);
  }

  function sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  function sendError(
    res: ServerResponse,
    api: StubApi,
    status: number,
    message: string,
    retryAfter?: number | string,
    extraDetails: unknown[] = [],
  ) {
    const headers: Record<string, string> = {};
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    if (api === 'gemini') {
      const details = [...extraDetails];
      if (typeof retryAfter === 'number')
        details.push({
          '@type': 'type.googleapis.com/google.rpc.RetryInfo',
          retryDelay: `${retryAfter}s`,
        });
      sendJson(
        res,
        status,
        {
          error: {
            code: status,
            message,
            status: GOOGLE_STATUS[status] ?? 'UNKNOWN',
            ...(details.length > 0 ? { details } : {}),
          },
        },
        headers,
      );
    } else {
      const type =
        status === 429
          ? 'rate_limit_exceeded'
          : status === 401
            ? 'invalid_api_key'
            : status >= 500
              ? 'server_error'
              : 'invalid_request_error';
      sendJson(res, status, { error: { message, type, code: type } }, headers);
    }
  }

  function defaultErrorMessage(status: number, request: StubRequest): string {
    if (status === 404)
      return request.api === 'gemini'
        ? `models/${request.model} is not found for API version v1beta.`
        : `The model \`${request.model}\` does not exist or you do not have access to it.`;
    if (status === 429) return 'Rate limit reached. Please try again later.';
    if (status === 401) return 'Invalid API Key';
    if (status >= 500) return 'The server had an error while processing your request.';
    return 'Bad request.';
  }

  function keyOf(req: IncomingMessage, api: StubApi, url: URL): string | undefined {
    if (api === 'gemini')
      return (
        (req.headers['x-goog-api-key'] as string | undefined) ??
        url.searchParams.get('key') ??
        undefined
      );
    const auth = req.headers.authorization;
    return auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stub');
    const route = req.method === 'POST' ? routeOf(url.pathname) : undefined;
    const raw = await readBody(req);
    if (!route) {
      const rawPath = (req.url ?? '/').split('?')[0]!;
      strays.push({
        method: req.method ?? '',
        path: rawPath,
        search: url.search,
        headers: req.headers,
        receivedAt: Date.now(),
      });
      sendJson(res, 404, {
        error: { message: `No route for ${req.method} ${url.pathname}`, type: 'not_found' },
      });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw || '{}');
    } catch {
      sendError(res, route.api, 400, 'The request body is not JSON.');
      return;
    }
    const isGemini = route.api === 'gemini';
    const parsed = isGemini ? readGemini(body as GeminiBody) : readOpenAI(body as OpenAIBody);
    const kind =
      route.images === true ||
      (isGemini &&
        (body as GeminiBody).generationConfig?.responseModalities?.includes('IMAGE') === true)
        ? 'image'
        : 'text';
    if (route.images) parsed.prompt = String((body as OpenAIBody).prompt ?? '');
    let resolveClosed!: (value: { byClient: boolean }) => void;
    const request: StubRequest = {
      id: nextId++,
      api: route.api,
      path: url.pathname,
      model: isGemini ? route.model! : String((body as OpenAIBody).model ?? ''),
      stream: isGemini ? route.stream! : (body as OpenAIBody).stream === true,
      headers: req.headers,
      body,
      prompt: parsed.prompt,
      system: parsed.system,
      images: parsed.images,
      responseFormat: responseFormatOf(route.api, body),
      kind,
      receivedAt: Date.now(),
      abortedByClient: false,
      closedAt: undefined,
      closed: new Promise((resolve) => {
        resolveClosed = resolve;
      }),
    };
    requests.push(request);
    open++;
    peak = Math.max(peak, open);
    for (const wake of arrivalWaiters) wake();

    let serverCut = false;
    res.on('close', () => {
      open--;
      request.closedAt = Date.now();
      const byClient = !res.writableFinished && !serverCut;
      if (byClient) {
        request.abortedByClient = true;
        aborted.push(request);
        for (const wake of abortWaiters) wake(request);
      }
      resolveClosed({ byClient });
    });
    const gone = () => res.destroyed || res.writableEnded;
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        if (ms <= 0 || gone()) return resolve();
        const timer = setTimeout(resolve, ms);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });

    if (options.apiKey !== undefined && keyOf(req, route.api, url) !== options.apiKey) {
      if (isGemini) {
        sendError(
          res,
          'gemini',
          400,
          'API key not valid. Please pass a valid API key.',
          undefined,
          [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'API_KEY_INVALID',
              domain: 'googleapis.com',
            },
          ],
        );
      } else sendError(res, route.api, 401, 'Invalid API Key');
      return;
    }

    const taken = takeReply(request);
    const reply: Exclude<StubReply, { type: 'json' }> =
      taken.type === 'json' ? { ...taken, type: 'text', text: JSON.stringify(taken.value) } : taken;
    if (reply.type === 'hang') return;
    await pause(reply.delayMs ?? options.latencyMs ?? 0);
    if (gone()) return;

    if (reply.type === 'raw') {
      res.writeHead(reply.status, { ...reply.headers });
      res.end(reply.body);
      return;
    }
    if (reply.type === 'error') {
      sendError(
        res,
        route.api,
        reply.status,
        reply.message ?? defaultErrorMessage(reply.status, request),
        reply.retryAfter,
      );
      return;
    }
    const chunks = reply.chunks ?? (reply.type === 'text' ? wordChunks(reply.text ?? '') : []);
    const chunkDelayMs = reply.chunkDelayMs ?? options.chunkDelayMs ?? 0;
    const cut = () => {
      serverCut = true;
      const socket = req.socket as Socket & { resetAndDestroy?: () => void };
      if (socket.resetAndDestroy) socket.resetAndDestroy();
      else socket.destroy();
    };
    if (reply.type === 'reset' && (!request.stream || chunks.length === 0)) {
      cut();
      return;
    }
    const usage = usageFor(request, chunks, reply.type === 'text' ? reply.usage : undefined);
    const finishReason = reply.type === 'text' ? reply.finishReason : undefined;

    if (!request.stream) {
      const text = chunks.join('');
      const payload =
        request.kind === 'image'
          ? imagePayload(request, text, finishReason, usage, image)
          : isGemini
            ? geminiPayload(text, finishReason ?? 'STOP', usage, request.model)
            : openAICompletion(text, finishReason ?? 'stop', usage, request);
      if (reply.type === 'truncate') {
        // No content-length: the body just ends early, as when a proxy drops the upstream.
        const json = JSON.stringify(payload);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(json.slice(0, Math.floor(json.length / 2)));
        return;
      }
      sendJson(res, 200, payload);
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    // Gemini ends events with CRLF pairs, OpenAI-style servers with LF pairs: both are valid SSE.
    const eventEnd = isGemini ? '\r\n\r\n' : '\n\n';
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}${eventEnd}`);
    const includeUsage = (body as OpenAIBody).stream_options?.include_usage === true;
    for (let i = 0; i < chunks.length; i++) {
      if (i > 0) await pause(chunkDelayMs);
      if (gone()) return;
      const last = i === chunks.length - 1 && reply.type === 'text';
      if (isGemini)
        send(
          geminiPayload(
            chunks[i]!,
            last ? (finishReason ?? 'STOP') : undefined,
            last ? usage : undefined,
            request.model,
          ),
        );
      else send(openAIChunk(request, { content: chunks[i]! }, null));
    }
    if (reply.type === 'reset') {
      // A reset discards bytes the client has not read yet: give the sent chunks time to land.
      await pause(Math.max(chunkDelayMs, 50));
      cut();
      return;
    }
    if (reply.type === 'truncate') {
      res.end();
      return;
    }
    if (chunks.length === 0 && isGemini)
      send(geminiPayload('', finishReason ?? 'STOP', usage, request.model));
    if (!isGemini) {
      const final = openAIChunk(request, {}, finishReason ?? 'stop');
      if (request.api === 'groq')
        (final as Record<string, unknown>).x_groq = {
          id: `req_${request.id}`,
          usage: openAIUsage(usage),
        };
      send(final);
      if (includeUsage)
        send({ ...openAIChunk(request, {}, null), choices: [], usage: openAIUsage(usage) });
      res.write('data: [DONE]\n\n');
    }
    res.end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return requests;
    },
    get strayRequests() {
      return strays;
    },
    get peakConcurrency() {
      return peak;
    },
    enqueue(...replies) {
      queue.push(...replies);
    },
    waitForRequests(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length >= count) {
            arrivalWaiters.delete(check);
            clearTimeout(timer);
            resolve(requests.slice(0, count));
          }
        };
        const timer = setTimeout(() => {
          arrivalWaiters.delete(check);
          reject(
            new GalaxyError(
              'E_STUB_TIMEOUT',
              `The stub received ${requests.length} of ${count} requests within ${timeoutMs} ms.`,
              {
                details: { received: requests.length, expected: count, timeoutMs },
              },
            ),
          );
        }, timeoutMs);
        arrivalWaiters.add(check);
        check();
      });
    },
    waitForClientAbort(timeoutMs = 5_000) {
      if (aborted[0]) return Promise.resolve(aborted[0]);
      return new Promise((resolve, reject) => {
        const wake = (request: StubRequest) => {
          abortWaiters.delete(wake);
          clearTimeout(timer);
          resolve(request);
        };
        const timer = setTimeout(() => {
          abortWaiters.delete(wake);
          reject(
            new GalaxyError(
              'E_STUB_TIMEOUT',
              `No client closed its connection early within ${timeoutMs} ms.`,
              { details: { timeoutMs } },
            ),
          );
        }, timeoutMs);
        abortWaiters.add(wake);
      });
    },
    reset() {
      requests.length = 0;
      strays.length = 0;
      queue.length = 0;
      aborted.length = 0;
      peak = open;
    },
    close() {
      return new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function geminiPayload(
  text: string,
  finishReason: string | undefined,
  usage: StubUsage | undefined,
  model: string,
) {
  const candidate: Record<string, unknown> = {
    content: { parts: [{ text }], role: 'model' },
    index: 0,
  };
  if (finishReason) candidate.finishReason = finishReason;
  const payload: Record<string, unknown> = { candidates: [candidate], modelVersion: model };
  if (usage) {
    payload.usageMetadata = {
      promptTokenCount: usage.inputTokens,
      candidatesTokenCount: usage.outputTokens,
      totalTokenCount: usage.inputTokens + usage.outputTokens,
    };
  }
  return payload;
}

/** The answer to an image request: a Gemini candidate with the image inline, or OpenAI's `data[].b64_json`. */
function imagePayload(
  request: StubRequest,
  text: string,
  finishReason: string | undefined,
  usage: StubUsage,
  base64: string,
) {
  if (request.api === 'gemini') {
    const payload = geminiPayload(text, finishReason ?? 'STOP', usage, request.model);
    const candidate = (payload.candidates as { content: { parts: unknown[] } }[])[0]!;
    candidate.content.parts = [
      ...(text ? [{ text }] : []),
      { inlineData: { mimeType: 'image/png', data: base64 } },
    ];
    return payload;
  }
  const n = Number((request.body as OpenAIBody).n ?? 1);
  return {
    created: Math.floor(request.receivedAt / 1000),
    data: Array.from({ length: Number.isInteger(n) && n > 0 ? Math.min(n, 10) : 1 }, () => ({
      b64_json: base64,
    })),
  };
}

function openAIUsage(usage: StubUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function openAICompletion(
  text: string,
  finishReason: string,
  usage: StubUsage,
  request: StubRequest,
) {
  return {
    id: `chatcmpl-${request.id}`,
    object: 'chat.completion',
    created: Math.floor(request.receivedAt / 1000),
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text },
        finish_reason: finishReason,
        logprobs: null,
      },
    ],
    usage: openAIUsage(usage),
  };
}

function openAIChunk(
  request: StubRequest,
  delta: { content?: string },
  finishReason: string | null,
) {
  return {
    id: `chatcmpl-${request.id}`,
    object: 'chat.completion.chunk',
    created: Math.floor(request.receivedAt / 1000),
    model: request.model,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  };
}
