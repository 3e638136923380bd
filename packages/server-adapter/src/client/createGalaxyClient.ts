import type {
  ExecuteInput,
  ListRunsQuery,
  LogEntry,
  NodeResult,
  RunEvent,
  RunSnapshot,
  RunSummary,
  RunSummaryPage,
  SaveWorkflowInput,
  StoredWorkflow,
  WorkflowChoice,
  UsageQuery,
  UsageReport,
  StoredWorkflowVersion,
  StoredWorkflowVersionPage,
  Workflow,
} from '@galaxyflow/engine';
import { readSse } from '@galaxyflow/engine';
import type { ProblemDocument } from '../errorCodes';
import { GalaxyApiError, GalaxyConflictError } from './GalaxyApiError';
import type {
  CreateWorkflowInput,
  ExecuteOptions,
  FilePage,
  FileRecord,
  GetRunOptions,
  LogPage,
  NodeResultPage,
  PageParams,
  ProviderList,
  RunDetail,
  RunItemsParams,
  RunListParams,
  RunPage,
  RunRecord,
  SubscribeOptions,
  SubscriptionState,
  UpdateWorkflowInput,
  UploadFileOptions,
  WorkflowListParams,
  WorkflowPage,
  WorkflowRecord,
  WorkflowVersion,
  WorkflowVersionPage,
} from './types';

type HeadersValue = ConstructorParameters<typeof Headers>[0];
type HeadersSource = HeadersValue | (() => HeadersValue | Promise<HeadersValue>);

export interface GalaxyClientOptions {
  /** Where the API is mounted: `https://app.example.com/api`, or `/api` in a browser page. Required. */
  baseUrl: string;
  /**
   * Headers for every request, e.g. `{ authorization: 'Bearer …' }`, or a function called
   * before each request (and each stream reconnect) so tokens stay fresh. Default none.
   */
  headers?: HeadersSource;
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Cookie policy of browser requests. Default `'same-origin'`. */
  credentials?: RequestInit['credentials'];
  /** Shortest wait before an event stream reconnects, in ms (the server's `retry:` wins). Default 1,000. */
  reconnectMinMs?: number;
  /** Longest wait between reconnects as failures repeat, in ms. Default 30,000. */
  reconnectMaxMs?: number;
  /**
   * Node results and log lines asked for per request when the client reads a run a page at
   * a time (`runs.get`, `getRun`); at most the server's `limits.maxRunPageSize` (default
   * 1,000). Default 500.
   */
  runPageSize?: number;
}

/**
 * The API over fetch, for browsers and Node 20+. The top-level methods are what the editor
 * needs (`EditorClient` of `@galaxyflow/react-editor`): engine-shaped workflows and runs.
 * `workflows` and `runs` return the API's records exactly as sent.
 */
export interface GalaxyClient {
  /** Queues a run; resolves with its id (202). */
  execute(input: ExecuteInput, options?: ExecuteOptions): Promise<{ runId: string }>;
  /**
   * Delivers every event of the run, in order, exactly once: those already past, then the
   * live ones, resuming after network drops and server restarts from the last event seen.
   * Ends after `run:finish`. Returns the function that stops it.
   */
  subscribe(
    runId: string,
    onEvent: (event: RunEvent) => void,
    options?: SubscribeOptions,
  ): () => void;
  /** Cancels a run: a queued one at once, a running one promptly. Resolves with the run record. */
  cancel(runId: string): Promise<RunRecord>;
  /** A workflow with its graph as one engine workflow (`client.workflows.get` gives the whole record). */
  getWorkflow(id: string): Promise<StoredWorkflow>;
  /** Saves the graph as the next version; a stale `expectedVersion` rejects with `GalaxyConflictError`. */
  saveWorkflow(input: SaveWorkflowInput): Promise<StoredWorkflow>;
  /** The run history, newest first, as the run model's summaries. */
  listRuns(query?: ListRunsQuery): Promise<RunSummaryPage>;
  /**
   * A run as the run model's snapshot: its finished node results and its log lines, every
   * one (read a page at a time).
   */
  getRun(runId: string): Promise<RunSnapshot>;
  /** The model providers the server configured (`GET /providers`), the default flagged. */
  listProviders(): Promise<ProviderList>;
  /** Your saved workflows (the first 100, newest first), for a Workflow node's picker. */
  listWorkflows(): Promise<WorkflowChoice[]>;
  /** One saved version with its graph as one engine workflow. */
  getWorkflowVersion(id: string, version: number): Promise<StoredWorkflow>;
  /**
   * The caller's model calls' tokens and cost per day, workflow or model (`GET /usage`), with
   * their spending limits. A bad period rejects with `E_INVALID_QUERY`.
   */
  usage(query?: UsageQuery): Promise<UsageReport>;
  /** A page of the workflow's saved versions, newest first (`client.workflows.versions` gives the records). */
  listVersions(workflowId: string, query?: PageParams): Promise<StoredWorkflowVersionPage>;
  /** One saved version with its graph as one engine workflow. */
  getVersion(workflowId: string, version: number): Promise<StoredWorkflowVersion>;
  /**
   * Saves an old version as the next one; a stale `expectedVersion` rejects with
   * `GalaxyConflictError`. Resolves with the workflow as it now is.
   */
  restoreVersion(
    workflowId: string,
    version: number,
    expectedVersion?: number,
  ): Promise<StoredWorkflow>;

  readonly workflows: {
    list(query?: WorkflowListParams): Promise<WorkflowPage>;
    get(id: string): Promise<WorkflowRecord>;
    create(input: CreateWorkflowInput): Promise<WorkflowRecord>;
    /** A stale `expectedVersion` rejects with `GalaxyConflictError` carrying `currentVersion`. */
    update(id: string, input: UpdateWorkflowInput): Promise<WorkflowRecord>;
    delete(id: string): Promise<void>;
    versions(id: string, query?: PageParams): Promise<WorkflowVersionPage>;
    version(id: string, version: number): Promise<WorkflowVersion>;
    restore(id: string, version: number, expectedVersion?: number): Promise<WorkflowRecord>;
  };
  readonly files: {
    /**
     * Uploads an image (PNG, JPEG, WebP or GIF): a browser `File` or `Blob`, or bytes. The
     * server reads the type from the bytes; refusals reject with `E_FILE_TOO_LARGE` (413),
     * `E_FILE_TYPE_NOT_ALLOWED` (415), `E_FILE_INVALID` (422) or `E_STORAGE_QUOTA_EXCEEDED` (409).
     */
    upload(file: Blob | ArrayBuffer | Uint8Array, options?: UploadFileOptions): Promise<FileRecord>;
    list(query?: PageParams): Promise<FilePage>;
    get(id: string): Promise<FileRecord>;
    /** The file's bytes, e.g. for `URL.createObjectURL` (an `<img>` cannot send the auth header). */
    content(id: string, options?: { signal?: AbortSignal }): Promise<Blob>;
    delete(id: string): Promise<void>;
  };
  readonly runs: {
    list(query?: RunListParams): Promise<RunPage>;
    /** The run with every node result and log line (default), or only the first page of each. */
    get(id: string, options?: GetRunOptions): Promise<RunDetail>;
    /** A page of the run's node results after the cursor `query.after`. */
    nodes(id: string, query?: RunItemsParams): Promise<NodeResultPage>;
    /** A page of the run's log lines after the cursor `query.after`. */
    logs(id: string, query?: RunItemsParams): Promise<LogPage>;
    cancel(id: string): Promise<RunRecord>;
    /** Deletes a finished run; a queued or running one rejects with `E_RUN_ACTIVE`. */
    delete(id: string): Promise<void>;
  };
}

const FINAL_ERROR_STATUSES = new Set([400, 401, 403, 404, 405, 410]);

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function retryAfterOf(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** Turns a failed response into the typed error, reading its problem document when present. */
async function errorOf(response: Response): Promise<GalaxyApiError> {
  const retryAfterSeconds = retryAfterOf(response);
  const extra = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  let problem: ProblemDocument | undefined;
  try {
    const body: unknown = await response.json();
    if (
      typeof body === 'object' &&
      body !== null &&
      typeof (body as ProblemDocument).code === 'string'
    ) {
      problem = body as ProblemDocument;
    }
  } catch {
    // Not JSON: a proxy's page or an empty body.
  }
  if (!problem) return new GalaxyApiError({ status: response.status, code: 'E_HTTP', ...extra });
  if (problem.code === 'E_VERSION_CONFLICT' && typeof problem.currentVersion === 'number') {
    return new GalaxyConflictError({
      status: response.status,
      code: problem.code,
      problem,
      currentVersion: problem.currentVersion,
      ...extra,
    });
  }
  return new GalaxyApiError({ status: response.status, code: problem.code, problem, ...extra });
}

/** A run record as the run model's summary: absent where the record has null. */
function summaryOf(run: RunRecord): RunSummary {
  const summary: RunSummary = { runId: run.id, status: run.status, createdAt: run.createdAt };
  if (run.workflowId !== null) summary.workflowId = run.workflowId;
  if (run.startedAt !== null) summary.startedAt = run.startedAt;
  if (run.finishedAt !== null) summary.finishedAt = run.finishedAt;
  if (run.durationMs !== null) summary.durationMs = run.durationMs;
  if (run.error !== null) summary.error = run.error;
  if (run.usage) summary.usage = run.usage;
  return summary;
}

/** A saved workflow as the editor holds it. */
function storedWorkflowOf(record: WorkflowRecord): StoredWorkflow {
  const workflow: Workflow = { nodes: record.nodes, edges: record.edges } as Workflow;
  if (record.settings !== undefined) workflow.settings = record.settings;
  return {
    id: record.id,
    name: record.name,
    version: record.version,
    workflow,
    updatedAt: record.updatedAt,
  };
}

function executeBody(input: ExecuteInput): Record<string, unknown> {
  const common: Record<string, unknown> = {};
  if (input.targetNodeIds !== undefined) common.targetNodeIds = input.targetNodeIds;
  if (input.reuseRunId !== undefined) common.reuseRunId = input.reuseRunId;
  if (input.inputs !== undefined) common.inputs = input.inputs;
  if (input.workflowId !== undefined) {
    return {
      workflowId: input.workflowId,
      ...(input.version === undefined ? {} : { version: input.version }),
      ...common,
    };
  }
  return {
    nodes: input.nodes ?? [],
    edges: input.edges ?? [],
    ...(input.settings === undefined ? {} : { settings: input.settings }),
    ...common,
  };
}

/** The part of the browser's `XMLHttpRequest` an upload with progress uses (no DOM types needed). */
interface ProgressRequest {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getAllResponseHeaders(): string;
  send(body?: unknown): void;
  abort(): void;
  withCredentials: boolean;
  responseType: string;
  readonly status: number;
  readonly response: unknown;
  readonly upload: { onprogress: ((event: { loaded: number; total: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

function xhrConstructor(): (new () => ProgressRequest) | undefined {
  const found = (globalThis as { XMLHttpRequest?: new () => ProgressRequest }).XMLHttpRequest;
  return typeof found === 'function' ? found : undefined;
}

/**
 * A request through `XMLHttpRequest`, the one browser API that reports upload progress, given
 * back as a `Response` so errors and bodies are read as for `fetch`.
 */
function sendWithProgress(
  XHR: new () => ProgressRequest,
  url: string,
  init: {
    method: string;
    headers: Headers;
    credentials: RequestInit['credentials'];
    body?: unknown;
    signal?: AbortSignal;
  },
  onProgress: (loaded: number, total: number) => void,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const signal = init.signal;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const request = new XHR();
    request.open(init.method, url);
    for (const [name, value] of init.headers) request.setRequestHeader(name, value);
    request.withCredentials = init.credentials === 'include';
    request.responseType = 'arraybuffer';
    const onAbort = () => request.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    request.upload.onprogress = (event) => onProgress(event.loaded, event.total);
    request.onload = () => {
      done();
      const headers = new Headers();
      for (const line of request
        .getAllResponseHeaders()
        .trim()
        .split(/[\r\n]+/)) {
        const at = line.indexOf(':');
        if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
      }
      // A 204 or 304 has no body, and a Response refuses one for them.
      const empty = request.status === 204 || request.status === 304;
      resolve(
        new Response(empty ? null : (request.response as ArrayBuffer), {
          status: request.status,
          headers,
        }),
      );
    };
    request.onerror = () => {
      done();
      reject(new TypeError('The upload failed: the network or the server dropped it.'));
    };
    request.onabort = () => {
      done();
      reject(signal?.reason ?? new DOMException('The upload was aborted.', 'AbortError'));
    };
    request.send(init.body);
  });
}

/** Creates the client. */
export function createGalaxyClient(options: GalaxyClientOptions): GalaxyClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const credentials = options.credentials ?? 'same-origin';
  const reconnectMinMs = options.reconnectMinMs ?? 1000;
  const reconnectMaxMs = options.reconnectMaxMs ?? 30_000;
  const runPageSize = options.runPageSize ?? 500;

  async function headersFor(extra: Record<string, string>): Promise<Headers> {
    const source =
      typeof options.headers === 'function' ? await options.headers() : options.headers;
    const headers = new Headers(source);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return headers;
  }

  async function send(
    method: string,
    path: string,
    init: {
      json?: unknown;
      /** A raw body (an upload), sent as it is with its own `content-type` in `headers`. */
      body?: Blob | ArrayBuffer | Uint8Array;
      headers?: Record<string, string>;
      signal?: AbortSignal;
      /** Upload progress; through `XMLHttpRequest` when the browser has it (see `UploadFileOptions`). */
      onProgress?: (loaded: number, total: number) => void;
    } = {},
  ): Promise<Response> {
    const extra: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (init.json !== undefined) extra['content-type'] = 'application/json';
    const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
    const xhr = init.onProgress && options.fetch === undefined ? xhrConstructor() : undefined;
    let response: Response;
    try {
      const request = {
        method,
        headers: await headersFor(extra),
        credentials,
        ...(body === undefined ? {} : { body: body as NonNullable<RequestInit['body']> }),
        ...(init.signal ? { signal: init.signal } : {}),
      };
      response =
        xhr && init.onProgress
          ? await sendWithProgress(xhr, `${base}${path}`, request, init.onProgress)
          : await fetchImpl(`${base}${path}`, request);
    } catch (cause) {
      if (init.signal?.aborted) throw cause;
      throw new GalaxyApiError({ status: 0, code: 'E_NETWORK', cause });
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async function call<T>(
    method: string,
    path: string,
    init?: Parameters<typeof send>[2],
  ): Promise<T> {
    const response = await send(method, path, init);
    if (response.status === 204) return undefined as T;
    try {
      return (await response.json()) as T;
    } catch (cause) {
      throw new GalaxyApiError({ status: response.status, code: 'E_INVALID_RESPONSE', cause });
    }
  }

  const id = encodeURIComponent;

  const workflows: GalaxyClient['workflows'] = {
    list: (query) => call('GET', `/workflows${queryString(query)}`),
    get: (workflowId) => call('GET', `/workflows/${id(workflowId)}`),
    create: (input) => call('POST', '/workflows', { json: input }),
    update: (workflowId, input) => call('PUT', `/workflows/${id(workflowId)}`, { json: input }),
    delete: (workflowId) => call('DELETE', `/workflows/${id(workflowId)}`),
    versions: (workflowId, query) =>
      call('GET', `/workflows/${id(workflowId)}/versions${queryString(query)}`),
    version: (workflowId, version) =>
      call('GET', `/workflows/${id(workflowId)}/versions/${version}`),
    restore: (workflowId, version, expectedVersion) =>
      call('POST', `/workflows/${id(workflowId)}/versions/${version}/restore`, {
        json: expectedVersion === undefined ? {} : { expectedVersion },
      }),
  };

  const files: GalaxyClient['files'] = {
    upload(file, uploadOptions = {}) {
      const type =
        uploadOptions.contentType ??
        (file instanceof Blob && file.type !== '' ? file.type : 'application/octet-stream');
      const name =
        uploadOptions.name ??
        (typeof File !== 'undefined' && file instanceof File ? file.name : undefined);
      const { onProgress } = uploadOptions;
      let reported = false;
      const upload = call<FileRecord>('POST', `/files${queryString({ name })}`, {
        body: file,
        headers: { 'content-type': type },
        ...(uploadOptions.signal ? { signal: uploadOptions.signal } : {}),
        ...(onProgress
          ? {
              onProgress: (loaded: number, total: number) => {
                reported = true;
                onProgress(loaded, total);
              },
            }
          : {}),
      });
      if (!onProgress) return upload;
      // A fetch upload cannot tell how far it got: all of it went once the server answered.
      const size = file instanceof Blob ? file.size : file.byteLength;
      return upload.then((stored) => {
        if (!reported) onProgress(size, size);
        return stored;
      });
    },
    list: (query) => call('GET', `/files${queryString(query)}`),
    get: (fileId) => call('GET', `/files/${id(fileId)}`),
    async content(fileId, contentOptions = {}) {
      const response = await send('GET', `/files/${id(fileId)}/content`, {
        headers: { accept: '*/*' },
        ...(contentOptions.signal ? { signal: contentOptions.signal } : {}),
      });
      return response.blob();
    },
    delete: (fileId) => call('DELETE', `/files/${id(fileId)}`),
  };

  /** Every item after `next`, one page after another. */
  async function restOf<T>(
    next: string | null,
    page: (after: string) => Promise<{ items: T[]; next: string | null }>,
  ): Promise<T[]> {
    const items: T[] = [];
    let cursor = next;
    while (cursor !== null) {
      const read = await page(cursor);
      items.push(...read.items);
      cursor = read.next;
    }
    return items;
  }

  const runs: GalaxyClient['runs'] = {
    list: (query) => call('GET', `/runs${queryString(query)}`),
    async get(runId, getOptions = {}) {
      const first = await call<RunDetail>(
        'GET',
        `/runs/${id(runId)}${queryString({ limit: runPageSize })}`,
      );
      if (getOptions.pages === 'first') return first;
      // Results and logs are independent lists: read both at once.
      const [nodeResults, logs] = await Promise.all([
        restOf(first.nodeResultsNext ?? null, (after) =>
          runs.nodes(runId, { after, limit: runPageSize }),
        ),
        restOf(first.logsNext ?? null, (after) => runs.logs(runId, { after, limit: runPageSize })),
      ]);
      return {
        ...first,
        nodeResults: [...first.nodeResults, ...nodeResults],
        logs: [...first.logs, ...logs],
        nodeResultsNext: null,
        logsNext: null,
      };
    },
    nodes: (runId, query) => call('GET', `/runs/${id(runId)}/nodes${queryString(query)}`),
    logs: (runId, query) => call('GET', `/runs/${id(runId)}/logs${queryString(query)}`),
    cancel: (runId) => call('POST', `/runs/${id(runId)}/cancel`),
    delete: (runId) => call('DELETE', `/runs/${id(runId)}`),
  };

  function subscribe(
    runId: string,
    onEvent: (event: RunEvent) => void,
    subscribeOptions: SubscribeOptions = {},
  ): () => void {
    let lastId = subscribeOptions.lastEventId ?? 0;
    let stopped = false;
    let state: SubscriptionState | undefined;
    let controller: AbortController | undefined;
    let wake: (() => void) | undefined;
    let serverRetryMs: number | undefined;
    let failures = 0;

    const setState = (next: SubscriptionState) => {
      if (state === next || state === 'closed') return;
      state = next;
      subscribeOptions.onStateChange?.(next);
    };
    const report = (error: unknown) => {
      if (subscribeOptions.onError) subscribeOptions.onError(error);
      else console.error(`Run ${runId} event stream:`, error);
    };
    const close = () => {
      stopped = true;
      controller?.abort();
      wake?.();
      setState('closed');
    };
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });

    void (async () => {
      setState('connecting');
      while (!stopped) {
        controller = new AbortController();
        let finished = false;
        let retryAfterMs: number | undefined;
        try {
          const extra: Record<string, string> = { accept: 'text/event-stream' };
          if (lastId > 0) extra['last-event-id'] = String(lastId);
          const response = await fetchImpl(`${base}/runs/${id(runId)}/events`, {
            method: 'GET',
            headers: await headersFor(extra),
            credentials,
            signal: controller.signal,
          });
          if (response.status === 204) {
            close();
            return;
          }
          if (!response.ok) {
            const error = await errorOf(response);
            if (FINAL_ERROR_STATUSES.has(response.status)) {
              report(error);
              close();
              return;
            }
            if (error.retryAfterSeconds !== undefined)
              retryAfterMs = error.retryAfterSeconds * 1000;
            throw error;
          }
          if (!response.body) throw new GalaxyApiError({ status: 200, code: 'E_INVALID_RESPONSE' });
          setState('open');
          const stream = readSse(response.body, {
            onRetry(ms) {
              serverRetryMs = ms;
            },
          });
          for await (const message of stream) {
            if (stopped) break;
            if (message.id !== undefined) {
              const seq = Number(message.id);
              // Never twice: a repeat after a reconnect is skipped. The server numbers every
              // event, so no event inherits the id of the one before it.
              if (Number.isInteger(seq) && seq <= lastId) continue;
              if (Number.isInteger(seq)) lastId = seq;
            }
            let event: RunEvent;
            try {
              event = JSON.parse(message.data) as RunEvent;
            } catch (cause) {
              report(new GalaxyApiError({ status: 200, code: 'E_INVALID_RESPONSE', cause }));
              continue;
            }
            failures = 0;
            subscribeOptions.onEventId?.(lastId);
            try {
              onEvent(event);
            } catch (error) {
              report(error);
            }
            if (event.type === 'run:finish') finished = true;
          }
          if (finished) {
            close();
            return;
          }
        } catch (error) {
          if (stopped) return;
          report(
            error instanceof GalaxyApiError
              ? error
              : new GalaxyApiError({ status: 0, code: 'E_NETWORK', cause: error }),
          );
          failures += 1;
        }
        if (stopped) return;
        // The stream ended early (server restart, proxy cut) or failed: resume after a pause.
        setState('reconnecting');
        // The server's `retry:` first, doubling (with jitter) while failures repeat.
        const min = Math.max(serverRetryMs ?? 0, reconnectMinMs);
        const backoff = Math.min(
          reconnectMaxMs,
          min * 2 ** Math.min(Math.max(0, failures - 1), 10),
        );
        // Jitter spreads the reconnects of many clients after a server restart.
        const jittered = backoff / 2 + Math.random() * (backoff / 2);
        await pause(Math.max(retryAfterMs ?? 0, jittered));
        setState('connecting');
      }
    })();

    return close;
  }

  return {
    workflows,
    files,
    runs,
    execute(input, executeOptions = {}) {
      return call('POST', '/execute', {
        json: executeBody(input),
        ...(executeOptions.idempotencyKey === undefined
          ? {}
          : { headers: { 'idempotency-key': executeOptions.idempotencyKey } }),
        ...(executeOptions.signal ? { signal: executeOptions.signal } : {}),
      });
    },
    subscribe,
    cancel: (runId) => runs.cancel(runId),
    listProviders: () => call<ProviderList>('GET', '/providers'),
    usage(query = {}) {
      const params = new URLSearchParams();
      if (query.from !== undefined) params.set('from', query.from);
      if (query.to !== undefined) params.set('to', query.to);
      if (query.groupBy !== undefined) params.set('groupBy', query.groupBy);
      const search = params.toString();
      return call<UsageReport>('GET', search ? `/usage?${search}` : '/usage');
    },
    async getWorkflow(workflowId) {
      return storedWorkflowOf(await workflows.get(workflowId));
    },
    async listWorkflows() {
      const page = await workflows.list({ limit: 100 });
      return page.items.map(({ id: workflowId, name, version, updatedAt }) => ({
        id: workflowId,
        name,
        version,
        updatedAt,
      }));
    },
    async getWorkflowVersion(workflowId, version) {
      const snapshot = await workflows.version(workflowId, version);
      const workflow: Workflow = { nodes: snapshot.nodes, edges: snapshot.edges } as Workflow;
      if (snapshot.settings !== undefined) workflow.settings = snapshot.settings;
      return { id: workflowId, name: snapshot.name, version: snapshot.version, workflow };
    },
    async listVersions(workflowId, query) {
      const page = await workflows.versions(workflowId, query);
      return {
        page: page.page,
        limit: page.limit,
        total: page.total,
        items: page.items.map(({ version, createdAt, restoredFrom }) => ({
          version,
          createdAt,
          restoredFrom,
        })),
      };
    },
    async getVersion(workflowId, version) {
      const record = await workflows.version(workflowId, version);
      const workflow: Workflow = { nodes: record.nodes, edges: record.edges } as Workflow;
      if (record.settings !== undefined) workflow.settings = record.settings;
      return {
        version: record.version,
        createdAt: record.createdAt,
        restoredFrom: record.restoredFrom,
        workflow,
      };
    },
    async restoreVersion(workflowId, version, expectedVersion) {
      return storedWorkflowOf(await workflows.restore(workflowId, version, expectedVersion));
    },
    async saveWorkflow(input) {
      const body: Record<string, unknown> = {
        nodes: input.workflow.nodes,
        edges: input.workflow.edges,
        // An empty object clears settings: the saved graph is exactly what was sent.
        settings: input.workflow.settings ?? {},
      };
      if (input.name !== undefined) body.name = input.name;
      if (input.description !== undefined) body.description = input.description;
      if (input.tags !== undefined) body.tags = input.tags;
      if (input.expectedVersion !== undefined) body.expectedVersion = input.expectedVersion;
      const record = await call<WorkflowRecord>('PUT', `/workflows/${id(input.id)}`, {
        json: body,
        ...(input.expectedVersion === undefined ? { headers: { 'if-match': '*' } } : {}),
      });
      return storedWorkflowOf(record);
    },
    async listRuns(query = {}) {
      const page = await runs.list(query);
      return { ...page, items: page.items.map(summaryOf) };
    },
    async getRun(runId) {
      const detail = await runs.get(runId);
      const nodes: Record<string, NodeResult> = {};
      // A node still RUNNING has no final result yet: the editor sees it through events.
      for (const { runId: _, nodeId, ...result } of detail.nodeResults) {
        if (result.status !== 'RUNNING') nodes[nodeId] = result;
      }
      const logs = detail.logs.map(({ id: _, runId: __, ...entry }): LogEntry => entry);
      return { ...summaryOf(detail.run), nodes, logs };
    },
  };
}
