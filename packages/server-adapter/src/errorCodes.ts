/**
 * Every code this package raises, in one table. Codes never change meaning; titles and
 * messages may be reworded. Clients and hosts branch on `code`, never on the words. `kind`
 * says where a code appears:
 * - `problem`: the `code` of a problem document the API answers with, with its HTTP status.
 * - `run`: a run's `error.code` when the queue, not a node, ended it (node failures carry
 *   the engine's codes).
 * - `client`: raised by `@galaxyflow/server-adapter/client` itself, when no problem document
 *   from the server carries a code.
 * - `host`: thrown to the host's own code: an option the package cannot use, or a store that
 *   cannot go on.
 *
 * A row with `owner: 'engine'` is the engine's code, raised here too; its message is the
 * engine's (`errorMessages`), so it is written once.
 *
 * This module imports nothing: the browser client reads it too.
 */
export const errorCodes = {
  E_UNAUTHORIZED: { kind: 'problem', status: 401, title: 'Sign in to use this API.' },
  E_NOT_FOUND: { kind: 'problem', status: 404, title: 'Nothing exists at this address.' },
  E_WORKFLOW_NOT_FOUND: { kind: 'problem', status: 404, title: 'The workflow does not exist.' },
  E_VERSION_NOT_FOUND: {
    kind: 'problem',
    status: 404,
    title: 'The workflow version does not exist.',
  },
  E_RUN_NOT_FOUND: { kind: 'problem', status: 404, title: 'The run does not exist.' },
  E_FILE_NOT_FOUND: { kind: 'problem', status: 404, title: 'The file does not exist.' },
  E_METHOD_NOT_ALLOWED: {
    kind: 'problem',
    status: 405,
    title: 'This address does not accept this method.',
  },
  E_MALFORMED_JSON: { kind: 'problem', status: 400, title: 'The request body is not valid JSON.' },
  E_FORBIDDEN_KEY: {
    kind: 'problem',
    status: 400,
    title: 'The request body contains the reserved key "__proto__".',
  },
  E_BODY_TOO_DEEP: {
    kind: 'problem',
    status: 400,
    title: 'The request body is nested too deeply.',
  },
  E_INVALID_BODY: {
    kind: 'problem',
    status: 400,
    title: 'The request body does not match the schema.',
  },
  E_INVALID_QUERY: { kind: 'problem', status: 400, title: 'The query parameters are invalid.' },
  E_INVALID_HEADER: { kind: 'problem', status: 400, title: 'A request header is invalid.' },
  E_INVALID_PATH: {
    kind: 'problem',
    status: 400,
    title: 'The request path is malformed (bad percent-encoding or a dot segment).',
  },
  E_VERSION_CONFLICT: {
    kind: 'problem',
    status: 409,
    title: 'The workflow was saved by someone else in the meantime.',
  },
  E_IDEMPOTENCY_CONFLICT: {
    kind: 'problem',
    status: 409,
    title: 'This Idempotency-Key was already used with a different request body.',
  },
  E_RUN_FINISHED: { kind: 'problem', status: 409, title: 'The run has already finished.' },
  E_RUN_ACTIVE: {
    kind: 'problem',
    status: 409,
    title: 'The run is still queued or running. Cancel it, and delete it once it has ended.',
  },
  // 409, not 507 or 429: the request is fine and the server is not at fault (507 is a 5xx,
  // which clients retry and monitoring pages on), and waiting does not help the way it does
  // with a rate (429). The user's stored state conflicts with the request, and they can
  // resolve it (delete runs or workflows, or let retention remove old runs) and resubmit.
  E_STORAGE_QUOTA_EXCEEDED: {
    kind: 'problem',
    status: 409,
    title: 'You have stored as much as this server allows. Delete something, then try again.',
  },
  E_BODY_TOO_LARGE: {
    kind: 'problem',
    status: 413,
    title: 'The request body is larger than allowed.',
  },
  E_FILE_TOO_LARGE: {
    kind: 'problem',
    status: 413,
    title: 'The file is larger than this server accepts.',
  },
  E_FILE_TYPE_NOT_ALLOWED: {
    kind: 'problem',
    status: 415,
    title: 'The file is not of a type this server accepts (PNG, JPEG, WebP or GIF).',
  },
  E_FILE_INVALID: {
    kind: 'problem',
    status: 422,
    title: 'The file is empty, truncated, or not the image it claims to be.',
  },
  E_UNSUPPORTED_MEDIA_TYPE: {
    kind: 'problem',
    status: 415,
    title: 'Send the request body as application/json.',
  },
  E_INVALID_WORKFLOW: { kind: 'problem', status: 422, title: 'The workflow cannot run.' },
  E_PRECONDITION_REQUIRED: {
    kind: 'problem',
    status: 428,
    title: 'Send the version you edited (expectedVersion or If-Match) so no save is lost.',
  },
  E_RATE_LIMITED: { kind: 'problem', status: 429, title: 'Too many requests. Wait and try again.' },
  E_TOO_MANY_STREAMS: {
    kind: 'problem',
    status: 429,
    title: 'Too many open event streams. Close one (another tab?) and try again.',
  },
  E_INTERNAL: { kind: 'problem', status: 500, title: 'Something went wrong on the server.' },
  E_UNAVAILABLE: {
    kind: 'problem',
    status: 503,
    title: 'The service is temporarily unavailable.',
  },

  // The engine owns this code and its words: a run the queue cancels reads like one the engine
  // canceled.
  E_CANCELED: { kind: 'run', owner: 'engine' },
  E_RUN_TIMEOUT: {
    kind: 'run',
    message: 'The run took longer than its time limit and was stopped.',
  },
  E_RUN_INTERRUPTED: {
    kind: 'run',
    message:
      'The run was interrupted (its worker crashed or lost the run) too many times and was given up.',
  },
  E_ENQUEUE_FAILED: {
    kind: 'run',
    message:
      'The run could not be handed to the queue, so nothing ran. Run it again (the API answered 503).',
  },

  E_NETWORK: {
    kind: 'client',
    message: 'The server could not be reached. Check the connection and try again.',
  },
  E_INVALID_RESPONSE: {
    kind: 'client',
    message: 'The server answered with something that is not the API (a proxy page?).',
  },
  E_HTTP: {
    kind: 'client',
    message: 'The server answered with an HTTP error and no problem document.',
  },

  E_INVALID_OPTION: {
    kind: 'host',
    message: 'An option passed to the server adapter has a value it cannot use.',
  },
  E_STORE_CLOSED: {
    kind: 'host',
    message: 'The store was closed. Create a new one instead of reusing it.',
  },
  E_STORE_UNAVAILABLE: {
    kind: 'host',
    message:
      'The database cannot be reached or is not taking work now; the API answers 503 with Retry-After until it does.',
  },
  E_STORE_SCHEMA_TOO_NEW: {
    kind: 'host',
    message:
      'The database was written by a newer version of @galaxyflow/server-adapter. Upgrade the package.',
  },
  E_STORE_RUN_MISSING: {
    kind: 'host',
    message: 'The store has no run with this id (was it deleted?), so nothing was recorded.',
  },
  E_STORE_SNAPSHOT_MISSING: {
    kind: 'host',
    message:
      "The workflow version a run refers to is missing from the store, so the run can't load.",
  },
  E_BLOB_TOO_LARGE: {
    kind: 'host',
    message: 'The blob is larger than the limit it was stored with, so nothing was stored.',
  },
  E_BLOB_STORE_UNAVAILABLE: {
    kind: 'host',
    message: 'The blob store cannot be reached. Check that it runs and the options point at it.',
  },
  E_REDIS_UNAVAILABLE: {
    kind: 'host',
    message:
      'Redis did not answer, so shared limits and live events cannot be reached. Check that it runs and the URL points at it.',
  },
} as const satisfies Record<
  string,
  | { kind: 'problem'; status: number; title: string }
  | { kind: 'run' | 'client' | 'host'; message: string }
  | { kind: 'run'; owner: 'engine' }
>;

type ErrorTable = typeof errorCodes;
type ErrorKind = ErrorTable[keyof ErrorTable]['kind'];
export type CodesOf<K extends ErrorKind> = {
  [C in keyof ErrorTable]: ErrorTable[C]['kind'] extends K ? C : never;
}[keyof ErrorTable];

/** Every code in `errorCodes`. */
export type ServerErrorCode = keyof ErrorTable;
export type ProblemCode = CodesOf<'problem'>;
export type RunErrorCode = CodesOf<'run'>;
export type ClientErrorCode = CodesOf<'client'>;
export type HostErrorCode = CodesOf<'host'>;
/** The rows whose code and words are the engine's (`errors.ts` reads them from its table). */
export type EngineOwnedCode = {
  [C in keyof ErrorTable]: ErrorTable[C] extends { owner: 'engine' } ? C : never;
}[keyof ErrorTable];

/** The codes of one kind, in table order. */
export function codesOf<K extends ErrorKind>(kind: K): CodesOf<K>[] {
  return (Object.keys(errorCodes) as ServerErrorCode[]).filter(
    (code) => errorCodes[code].kind === kind,
  ) as CodesOf<K>[];
}

/** The `problem` rows of `errorCodes`: each problem code's HTTP status and title. */
export const problemCodes = Object.fromEntries(
  codesOf('problem').map((code) => {
    const { status, title } = errorCodes[code];
    return [code, { status, title }];
  }),
) as { readonly [C in ProblemCode]: Omit<ErrorTable[C], 'kind'> };

/** The `client` rows of `errorCodes`: code to message. */
export const clientErrorCodes = Object.fromEntries(
  codesOf('client').map((code) => [code, errorCodes[code].message]),
) as { readonly [C in ClientErrorCode]: ErrorTable[C]['message'] };

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
