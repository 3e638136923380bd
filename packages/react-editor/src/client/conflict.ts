import { EditorError } from '../errors';

/** The facts of a refused save: the server holds a newer version than the edit was based on. */
export interface ConflictInfo {
  /** The version the server holds now, when it says. */
  currentVersion?: number;
}

function read(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Recognises a version conflict from any client: HTTP 409 (`status`/`statusCode`), or
 * `code: 'E_VERSION_CONFLICT'` (`'E_CONFLICT'` from older clients), possibly as an RFC 9457
 * problem body.
 */
export function conflictOf(error: unknown): ConflictInfo | null {
  const problem = read(error, 'problem') ?? read(error, 'body');
  const status = read(error, 'status') ?? read(error, 'statusCode') ?? read(problem, 'status');
  const code = read(error, 'code') ?? read(problem, 'code');
  const isConflict = status === 409 || code === 'E_VERSION_CONFLICT' || code === 'E_CONFLICT';
  if (!isConflict) return null;
  const version =
    read(error, 'currentVersion') ??
    read(problem, 'currentVersion') ??
    read(read(error, 'details'), 'currentVersion');
  return typeof version === 'number' ? { currentVersion: version } : {};
}

/** Whether an error from `saveWorkflow` means "someone saved a newer version". */
export function isConflictError(error: unknown): boolean {
  return conflictOf(error) !== null;
}

/** The error `createMemoryClient` throws for a stale save; shaped like the server's HTTP 409 problem. */
export class WorkflowConflictError extends EditorError {
  override name = 'WorkflowConflictError';
  declare readonly code: 'E_VERSION_CONFLICT';
  declare readonly status: 409;
  readonly currentVersion: number;
  constructor(workflowId: string, currentVersion: number) {
    super(
      'E_VERSION_CONFLICT',
      `Workflow "${workflowId}" was saved elsewhere (now version ${currentVersion}).`,
      {
        status: 409,
        details: { workflowId, currentVersion },
      },
    );
    this.currentVersion = currentVersion;
  }
}
