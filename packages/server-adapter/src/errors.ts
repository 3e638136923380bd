import { errorMessages, GalaxyError } from '@galaxyflow/engine';
import {
  codesOf,
  type EngineOwnedCode,
  errorCodes,
  type HostErrorCode,
  type ProblemCode,
  type ProblemDocument,
  type ProblemIssue,
  problemCodes,
  type RunErrorCode,
} from './errorCodes';

// Server code imports every error name from here; the table sits in its own module so the
// browser client can read it without loading the engine.
export type {
  ClientErrorCode,
  HostErrorCode,
  ProblemCode,
  ProblemDocument,
  ProblemIssue,
  RunErrorCode,
  ServerErrorCode,
} from './errorCodes';
export { clientErrorCodes, errorCodes, problemCodes } from './errorCodes';

/** The `run` rows of `errorCodes`: code to message, the engine's words for its own codes. */
export const runErrorCodes = Object.fromEntries(
  codesOf('run').map((code) => {
    const row = errorCodes[code];
    return [code, 'owner' in row ? errorMessages[code as EngineOwnedCode] : row.message];
  }),
) as { readonly [C in RunErrorCode]: string };

/**
 * A coded error thrown to the host's code (not an HTTP answer): the engine's `GalaxyError`, so
 * hosts and `toErrorInfo` read one shape whichever package threw. `message` says what to do in
 * this case; `details` holds the ids and values it concerns.
 */
export function hostError(
  code: HostErrorCode,
  message?: string,
  details?: Record<string, unknown>,
  cause?: unknown,
): GalaxyError {
  return new GalaxyError(code, message ?? errorCodes[code].message, {
    ...(details === undefined ? {} : { details }),
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * True for a store's `E_STORE_UNAVAILABLE`: the database cannot be reached now, so the request
 * may pass later (the API answers 503 with Retry-After).
 */
export function isStoreUnavailable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'E_STORE_UNAVAILABLE';
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
