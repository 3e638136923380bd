import {
  type ClientErrorCode,
  clientErrorCodes,
  type ProblemCode,
  type ProblemDocument,
} from '../errorCodes';

/** What the client knows about a failed call. */
export interface GalaxyApiErrorInit {
  /** HTTP status; 0 when no response arrived. */
  status: number;
  code: ProblemCode | ClientErrorCode;
  message?: string;
  /** The server's RFC 9457 problem document, when it sent one. */
  problem?: ProblemDocument;
  /** Seconds the server asked to wait (`Retry-After`). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * Every failed call rejects with this: branch on `code` (the server's problem code, or
 * `E_NETWORK` / `E_INVALID_RESPONSE` / `E_HTTP` from the client itself).
 */
export class GalaxyApiError extends Error {
  override name = 'GalaxyApiError';
  readonly status: number;
  readonly code: ProblemCode | ClientErrorCode;
  readonly problem: ProblemDocument | undefined;
  /** The server's request id, to quote when reporting a problem. */
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: GalaxyApiErrorInit) {
    const message =
      init.message ??
      init.problem?.detail ??
      init.problem?.title ??
      (init.code in clientErrorCodes
        ? clientErrorCodes[init.code as ClientErrorCode]
        : `HTTP ${init.status}`);
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.problem = init.problem;
    this.requestId = init.problem?.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** A save refused because someone saved in the meantime (409): reload `currentVersion`. */
export class GalaxyConflictError extends GalaxyApiError {
  override name = 'GalaxyConflictError';
  /** The version the server holds now. */
  readonly currentVersion: number;

  constructor(init: GalaxyApiErrorInit & { currentVersion: number }) {
    super(init);
    this.currentVersion = init.currentVersion;
  }
}
