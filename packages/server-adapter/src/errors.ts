/**
 * Every problem the API answers with has a stable `code` from this table. Codes never change
 * meaning; titles may be reworded. Clients branch on `code`, never on `title` or `detail`.
 */
export const problemCodes = {
  E_UNAUTHORIZED: { status: 401, title: 'Sign in to use this API.' },
  E_NOT_FOUND: { status: 404, title: 'Nothing exists at this address.' },
  E_WORKFLOW_NOT_FOUND: { status: 404, title: 'The workflow does not exist.' },
  E_VERSION_NOT_FOUND: { status: 404, title: 'The workflow version does not exist.' },
  E_RUN_NOT_FOUND: { status: 404, title: 'The run does not exist.' },
  E_METHOD_NOT_ALLOWED: { status: 405, title: 'This address does not accept this method.' },
  E_MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON.' },
  E_FORBIDDEN_KEY: {
    status: 400,
    title: 'The request body contains the reserved key "__proto__".',
  },
  E_BODY_TOO_DEEP: { status: 400, title: 'The request body is nested too deeply.' },
  E_INVALID_BODY: { status: 400, title: 'The request body does not match the schema.' },
  E_INVALID_QUERY: { status: 400, title: 'The query parameters are invalid.' },
  E_INVALID_HEADER: { status: 400, title: 'A request header is invalid.' },
  E_VERSION_CONFLICT: {
    status: 409,
    title: 'The workflow was saved by someone else in the meantime.',
  },
  E_IDEMPOTENCY_CONFLICT: {
    status: 409,
    title: 'This Idempotency-Key was already used with a different request body.',
  },
  E_RUN_FINISHED: { status: 409, title: 'The run has already finished.' },
  E_BODY_TOO_LARGE: { status: 413, title: 'The request body is larger than allowed.' },
  E_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Send the request body as application/json.' },
  E_INVALID_WORKFLOW: { status: 422, title: 'The workflow cannot run.' },
  E_PRECONDITION_REQUIRED: {
    status: 428,
    title: 'Send the version you edited (expectedVersion or If-Match) so no save is lost.',
  },
  E_RATE_LIMITED: { status: 429, title: 'Too many requests. Wait and try again.' },
  E_TOO_MANY_STREAMS: {
    status: 429,
    title: 'Too many open event streams. Close one (another tab?) and try again.',
  },
  E_INTERNAL: { status: 500, title: 'Something went wrong on the server.' },
  E_UNAVAILABLE: { status: 503, title: 'The service is temporarily unavailable.' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof problemCodes;

/**
 * Codes of a run's `error` when the queue, not a node, ended it (node failures carry the
 * engine's codes). Same rule: codes never change meaning.
 */
export const runErrorCodes = {
  E_CANCELED: 'The run was canceled.',
  E_RUN_TIMEOUT: 'The run took longer than its time limit and was stopped.',
  E_RUN_INTERRUPTED:
    'The run was interrupted (its worker crashed or lost the run) too many times and was given up.',
  E_ENQUEUE_FAILED:
    'The run could not be handed to the queue, so nothing ran. Run it again (the API answered 503).',
} as const satisfies Record<string, string>;

export type RunErrorCode = keyof typeof runErrorCodes;

/**
 * Codes the client (`@galaxyflow/server-adapter/client`) raises itself, when there is no
 * problem document from the server to carry a code.
 */
export const clientErrorCodes = {
  E_NETWORK: 'The server could not be reached. Check the connection and try again.',
  E_INVALID_RESPONSE: 'The server answered with something that is not the API (a proxy page?).',
  E_HTTP: 'The server answered with an HTTP error and no problem document.',
} as const satisfies Record<string, string>;

export type ClientErrorCode = keyof typeof clientErrorCodes;

/** One field-level problem in a request, or one issue the engine found in a workflow. */
export interface ProblemIssue {
  /** Stable code, e.g. `invalid_type` (request schema) or `E_CYCLE` (workflow). */
  code: string;
  /** What is wrong. */
  message: string;
  /** Where, e.g. `['nodes', 3, 'data', 'model']`. */
  path?: (string | number)[];
  /** The node the issue concerns. */
  nodeId?: string;
  /** The edge the issue concerns. */
  edgeId?: string;
  /** For cycles: the node ids on the cycle. */
  nodeIds?: string[];
}

/** An RFC 9457 problem document, as the API sends it with `application/problem+json`. */
export interface ProblemDocument {
  /** `urn:galaxyflow:problem:<code>`: stable, one per code. */
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  /** What happened in this case, when there is more to say than the title. */
  detail?: string;
  /** The request path. */
  instance?: string;
  /** The request id, also in the `X-Request-Id` header and the server logs. */
  requestId?: string;
  /** Validation problems, when there are any. */
  issues?: ProblemIssue[];
  /** For E_VERSION_CONFLICT: the version now stored. */
  currentVersion?: number;
}

export interface ProblemOptions {
  /** What happened in this case. Default: none (the title says it). */
  detail?: string;
  /** Validation problems. */
  issues?: ProblemIssue[];
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  /** Extra members of the problem document. */
  extensions?: { currentVersion?: number };
  /** The underlying error, for the logs only. */
  cause?: unknown;
}

/** Thrown inside handlers; the core turns it into a problem response. */
export class ProblemError extends Error {
  override name = 'ProblemError';
  readonly code: ProblemCode;
  readonly status: number;
  readonly issues: ProblemIssue[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: { currentVersion?: number };
  readonly detail: string | undefined;

  constructor(code: ProblemCode, options: ProblemOptions = {}) {
    super(
      options.detail ?? problemCodes[code].title,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.status = problemCodes[code].status;
    this.issues = options.issues;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
    this.detail = options.detail;
  }
}

export function problemType(code: ProblemCode): string {
  return `urn:galaxyflow:problem:${code}`;
}

export function toProblemDocument(
  error: ProblemError,
  context: { instance?: string; requestId?: string },
): ProblemDocument {
  const doc: ProblemDocument = {
    type: problemType(error.code),
    title: problemCodes[error.code].title,
    status: error.status,
    code: error.code,
  };
  if (error.detail !== undefined) doc.detail = error.detail;
  if (context.instance !== undefined) doc.instance = context.instance;
  if (context.requestId !== undefined) doc.requestId = context.requestId;
  if (error.issues !== undefined) doc.issues = error.issues;
  if (error.extensions.currentVersion !== undefined) {
    doc.currentVersion = error.extensions.currentVersion;
  }
  return doc;
}
