import type * as z from 'zod';
import type { ErrorInfoSchema } from './model';
import { redactUrls, redactUrlsDeep } from './redact';

/**
 * Every error the engine reports has a stable `code` from this one table: the scheduler's,
 * the providers', the Vision node's image loading and the SSRF guard's alike. Codes never
 * change meaning; messages may be reworded. Hosts map codes to UI, HTTP problems and alerts.
 */
export const errorMessages = {
  // Validation (a workflow the editor or server must refuse)
  E_SCHEMA: 'The workflow does not match the workflow schema.',
  E_LIMIT_NODES: 'The workflow has more nodes than allowed.',
  E_LIMIT_EDGES: 'The workflow has more edges than allowed.',
  E_LIMIT_BYTES: 'The workflow is larger than allowed.',
  E_DUPLICATE_NODE_ID: 'Two nodes share one id.',
  E_DUPLICATE_EDGE_ID: 'Two edges share one id.',
  E_UNKNOWN_NODE_TYPE: 'The node type is not registered.',
  E_INVALID_DATA: "The node's settings are invalid.",
  E_MISSING_NODE: 'The edge points to a node that does not exist.',
  E_MISSING_HANDLE: 'The edge points to a port that does not exist.',
  E_SELF_LOOP: 'A node cannot be connected to itself.',
  E_PORT_TYPE_MISMATCH: 'The output port type does not fit the input port type.',
  E_INPUT_TAKEN: 'The input accepts one connection and already has one.',
  E_DUPLICATE_EDGE: 'These ports are already connected.',
  E_MISSING_INPUT: 'A required input is not connected.',
  E_CYCLE: 'The workflow contains a cycle.',
  E_UNKNOWN_TARGET: 'A target node for a partial run does not exist.',
  E_NOTE_CONNECTED: 'A note documents the workflow and has no ports: it cannot be connected.',
  E_VALIDATION: 'The workflow is invalid.',
  // Registry
  E_DUPLICATE_NODE_TYPE: 'A node type is registered twice.',
  E_INVALID_NODE_DEFINITION: 'The node definition is invalid.',
  // Host configuration
  E_INVALID_RUN_OPTION: 'A run option has a value the engine cannot use.',
  E_INVALID_OPTION: 'An option passed to an engine factory has a value the engine cannot use.',
  // Execution
  E_NODE_FAILED: 'The node failed.',
  E_INVALID_OUTPUT: 'The node returned an output that does not match its ports.',
  E_INPUT_UNAVAILABLE: 'A required input had no value when the node was due to run.',
  E_TIMEOUT: 'The node did not finish within its time limit.',
  E_CANCELED: 'The run was canceled.',
  E_RUN_TIMEOUT: 'The run took longer than its time limit and was stopped.',
  E_UPSTREAM_FAILED: 'An upstream node failed, so this node was skipped.',
  E_BRANCH_NOT_TAKEN:
    'An input this node needs comes from a branch that was not taken, so it was skipped.',
  E_CONDITION: 'A condition could not be checked.',
  // Map and sub-workflows
  E_MAP_NOT_A_LIST: "The Map node's items input is not a list.",
  E_MAP_TOO_MANY_ITEMS: 'The list has more items than this host lets one Map node run.',
  E_MAP_ITEM_FAILED: 'An item of the Map node failed, so the rest were canceled.',
  E_MAP_NODE_TYPE: 'The Map node cannot run the node type it was given.',
  E_SUBWORKFLOWS_UNAVAILABLE: 'This host cannot load saved workflows for Workflow and Map nodes.',
  E_WORKFLOW_NOT_FOUND:
    'The referenced workflow or version does not exist, or belongs to someone else.',
  E_WORKFLOW_CYCLE: 'The workflow calls itself through its Workflow or Map nodes.',
  E_WORKFLOW_DEPTH: 'Workflows call each other more levels deep than allowed.',
  E_WORKFLOW_INPUT_MISSING: 'A required workflow input got no value.',
  E_SUBWORKFLOW_FAILED: 'The sub-workflow did not succeed.',
  // LLM providers (calls made through a provider set)
  E_PROVIDER_NOT_CONFIGURED: 'The LLM provider is not configured.',
  E_PROVIDER_AUTH: 'The provider rejected the API key.',
  E_PROVIDER_RATE_LIMIT: 'The provider is rate limiting requests.',
  E_PROVIDER_UNAVAILABLE: 'The provider could not be reached or had a server error.',
  E_PROVIDER_TIMEOUT: 'The provider did not answer within the time limit.',
  E_PROVIDER_BAD_REQUEST: 'The provider rejected the request.',
  E_PROVIDER_RESPONSE: 'The provider sent an answer that could not be read.',
  E_MODEL_NOT_FOUND: 'The model does not exist or is not available to this API key.',
  E_CONTENT_BLOCKED: 'The provider blocked the prompt or the answer.',
  E_CIRCUIT_OPEN: 'The provider failed repeatedly and is paused for a cool-down.',
  E_PROVIDER_NO_IMAGE_GENERATION: 'The provider cannot generate images.',
  E_LLM_INVALID_JSON: 'The answer is not JSON that matches the expected schema.',
  E_STRUCTURED_OUTPUT_INVALID:
    'The answer does not match the JSON Schema, even after a repair request.',
  E_ROUTER_INVALID_ROUTE:
    "The model's answer names no route of the router, even after a repair request.",
  // HTTP Request node
  E_HTTP_UNAVAILABLE:
    'This host cannot make HTTP requests for workflows (they run on the server only).',
  E_HTTP_INVALID_REQUEST: 'The HTTP request could not be built from the node settings and inputs.',
  E_HTTP_SECRET_MISSING: 'The secret the HTTP Request node names is not configured on the server.',
  E_HTTP_SECRET_HOST: 'The secret may not be sent to this host.',
  E_HTTP_BLOCKED: 'The URL points to an address the server may not call.',
  E_HTTP_FETCH: 'The HTTP request failed.',
  E_HTTP_STATUS: 'The server answered with an error status.',
  E_HTTP_TIMEOUT: 'The HTTP request did not finish within its time limit.',
  E_HTTP_TOO_LARGE: 'The response is larger than the node allows.',
  E_HTTP_RESPONSE: 'The response could not be read.',
  // Budgets (a host's spending limit, asked before every model call)
  E_BUDGET_EXCEEDED: 'The spending limit is reached: no model call is made until it resets.',
  // Images (the Vision node's inputs)
  E_IMAGE_INVALID: 'The image is not a valid data URL or http(s) URL.',
  E_IMAGE_FETCH: 'The image could not be downloaded.',
  E_IMAGE_FETCH_UNAVAILABLE: 'This host cannot download image URLs.',
  E_IMAGE_TOO_LARGE: 'The image is larger than allowed.',
  E_IMAGE_TYPE: 'The image type is not supported.',
  E_IMAGE_FILE_UNAVAILABLE: 'This host cannot read uploaded files.',
  E_IMAGE_FILE_NOT_FOUND: 'The uploaded file does not exist, or belongs to someone else.',
  // SSRF guard (the Node-only image fetcher)
  E_SSRF_BLOCKED: 'The image URL points to an address that may not be fetched.',
  // Testing helpers (`@galaxyflow/engine/testing`)
  E_STUB_TIMEOUT: 'The LLM stub did not see what the test waited for in time.',
} as const;

/** A code from the engine's own table. */
export type KnownErrorCode = keyof typeof errorMessages;

/** A code from the engine's table, or a host's own (`E_` then capitals, digits and `_`). */
export type ErrorCode = KnownErrorCode | (string & {});

/** The plain-JSON form of an error, as it appears in results, events and the API (`ErrorInfoSchema`). */
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

export interface GalaxyErrorOptions {
  /** The node the error concerns. */
  nodeId?: string;
  /** Whether a retry may succeed. Default: false. */
  retryable?: boolean;
  /** The underlying error. */
  cause?: unknown;
  /** Extra plain-JSON facts. */
  details?: Record<string, unknown>;
  /** A server-suggested wait before retrying (e.g. from `Retry-After`), in ms. */
  retryAfterMs?: number;
}

/** Base class of every error the engine throws. */
export class GalaxyError extends Error {
  override name = 'GalaxyError';
  readonly code: ErrorCode;
  readonly nodeId: string | undefined;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message?: string, options: GalaxyErrorOptions = {}) {
    super(
      message ?? errorMessages[code as KnownErrorCode] ?? code,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.nodeId = options.nodeId;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
  }

  toJSON(): ErrorInfo {
    return toErrorInfo(this);
  }
}

/**
 * Throw this (or any error with `retryable: true`) from a node's `run` to ask the
 * scheduler to retry under the node's retry policy.
 */
export class RetryableError extends GalaxyError {
  override name = 'RetryableError';
  constructor(
    message: string,
    options: Omit<GalaxyErrorOptions, 'retryable'> & { code?: ErrorCode } = {},
  ) {
    super(options.code ?? 'E_NODE_FAILED', message, { ...options, retryable: true });
  }
}

/** A node exceeded its time limit. Retryable: a slow provider often answers the next time. */
export class TimeoutError extends GalaxyError {
  override name = 'TimeoutError';
  /** `title` names the node in the message (its label); default its id. */
  constructor(nodeId: string, timeoutMs: number, title: string = `"${nodeId}"`) {
    super('E_TIMEOUT', `${title} did not finish within ${timeoutMs} ms.`, {
      nodeId,
      retryable: true,
      details: { timeoutMs },
    });
  }
}

/** The run (or the node) was canceled. */
export class CanceledError extends GalaxyError {
  override name = 'CanceledError';
  constructor(message: string = errorMessages.E_CANCELED, options: GalaxyErrorOptions = {}) {
    super('E_CANCELED', message, options);
  }
}

/**
 * A `runWorkflow` / `startRun` option the host passed has a value the engine cannot use
 * (a negative or NaN time limit, a fractional attempt count, ...). Thrown before anything runs:
 * it is the host's configuration to fix, never the workflow's.
 */
export class RunOptionsError extends GalaxyError {
  override name = 'RunOptionsError';
  /** The option, as a path such as `nodeTimeoutMs` or `caps.maxAttempts`. */
  readonly option: string;
  constructor(option: string, value: unknown, expected: string) {
    const shown =
      typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : (JSON.stringify(value) ?? String(value));
    super('E_INVALID_RUN_OPTION', `Run option "${option}" is ${shown}; it must be ${expected}.`, {
      details: { option, expected },
    });
    this.option = option;
  }
}

/** One problem found in a workflow. */
export interface ValidationIssue {
  /** Stable code, e.g. `E_CYCLE`, `E_PORT_TYPE_MISMATCH`. */
  code: ErrorCode;
  /** What is wrong and how to fix it. */
  message: string;
  /** The node the issue concerns. */
  nodeId?: string;
  /** The edge the issue concerns. */
  edgeId?: string;
  /** Where in the workflow document the issue is, e.g. `['nodes', 3, 'data', 'model']`. */
  path?: (string | number)[];
  /** For `E_CYCLE`: the node ids on the cycle, in order. */
  nodeIds?: string[];
}

/** Thrown by `runWorkflow` when the workflow does not pass `validateWorkflow`. */
export class WorkflowValidationError extends GalaxyError {
  override name = 'WorkflowValidationError';
  readonly issues: ValidationIssue[];
  constructor(issues: ValidationIssue[]) {
    const first = issues[0];
    super(
      'E_VALIDATION',
      first
        ? `The workflow is invalid: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
        : errorMessages.E_VALIDATION,
      { details: { issues } },
    );
    this.issues = issues;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Whether the scheduler may retry after this error. */
export function isRetryable(error: unknown): boolean {
  return isRecord(error) && error.retryable === true;
}

/**
 * Whether a value carries a GalaxyError's fields. Checked by shape, not `instanceof`: a
 * host may load two copies of the engine (ESM and CJS, or two bundles), and an error
 * from one must keep its code and retryability in the other.
 */
export function isGalaxyErrorLike(error: unknown): error is Pick<
  GalaxyError,
  'code' | 'message' | 'retryable'
> & {
  nodeId?: string;
  details?: Record<string, unknown>;
  retryAfterMs?: number;
} {
  return (
    isRecord(error) &&
    typeof error.code === 'string' &&
    /^E_[A-Z0-9_]+$/.test(error.code) &&
    typeof error.message === 'string' &&
    typeof error.retryable === 'boolean'
  );
}

/** A server-suggested wait before retrying, in ms, if the error carries one. */
export function retryAfterOf(error: unknown): number {
  return isRecord(error) &&
    typeof error.retryAfterMs === 'number' &&
    Number.isFinite(error.retryAfterMs)
    ? Math.max(0, error.retryAfterMs)
    : 0;
}

/** Ends a message with a full stop, so another sentence can follow it. Internal. */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * Converts anything thrown into the plain-JSON `ErrorInfo` used in results and events. URLs in
 * the message and details lose their user name, password, query and fragment (`redactUrls`):
 * whatever leaves the engine reaches users, event streams and databases.
 */
export function toErrorInfo(error: unknown, nodeId?: string): ErrorInfo {
  if (isGalaxyErrorLike(error)) {
    const info: ErrorInfo = {
      code: error.code,
      message: redactUrls(error.message),
      retryable: error.retryable,
    };
    const id = typeof error.nodeId === 'string' ? error.nodeId : nodeId;
    if (id !== undefined) info.nodeId = id;
    if (isRecord(error.details)) info.details = redactUrlsDeep(error.details);
    return info;
  }
  const info: ErrorInfo = {
    code: 'E_NODE_FAILED',
    message: redactUrls(
      error instanceof Error ? error.message : typeof error === 'string' ? error : 'Unknown error',
    ),
    retryable: isRetryable(error),
  };
  if (isRecord(error) && typeof error.code === 'string' && /^E_[A-Z0-9_]+$/.test(error.code)) {
    info.code = error.code;
  }
  if (nodeId !== undefined) info.nodeId = nodeId;
  return info;
}
