/**
 * Every code the editor raises, and every server code it recognises, has a stable `code` from
 * this one table. Codes never change meaning; messages may be reworded. Node and run failures
 * keep the engine's codes (`errorMessages` of `@galaxyflow/engine`).
 */
export const editorErrorMessages = {
  // Saving
  E_VERSION_CONFLICT:
    'The workflow was saved elsewhere in the meantime: reload it, or save again to overwrite.',
  // Recognised from older clients as E_VERSION_CONFLICT, never raised.
  E_CONFLICT:
    'The workflow was saved elsewhere in the meantime (older clients name it E_CONFLICT).',
  // Loading: the in-memory client answers as the server does (HTTP 404)
  E_WORKFLOW_NOT_FOUND: 'The workflow does not exist.',
  E_VERSION_NOT_FOUND: 'The workflow has no such saved version.',
  E_RUN_NOT_FOUND: 'The run does not exist.',
  // Running
  E_EXECUTE: 'The run could not be started.',
  E_NO_RUNNER:
    'The in-memory client has neither a registry nor a script to run with: pass one of them.',
  // Files: the in-memory client answers as the server does
  E_FILE_TYPE_NOT_ALLOWED: 'Only PNG, JPEG, WebP and GIF images can be uploaded.',
  E_FILE_TOO_LARGE: 'The file is larger than uploads may be.',
  E_FILE_NOT_FOUND: 'The file does not exist.',
  E_NO_FILES: 'This editor’s host takes no files: link the image by URL instead.',
  // Usage: the in-memory client answers as the server does (HTTP 400)
  E_INVALID_QUERY: 'The query parameters are invalid.',
  // Editing
  E_READ_ONLY: 'This workflow is read-only.',
  // Embedding
  E_OUTSIDE_EDITOR:
    'Galaxy Flow editor hooks must be used inside <WorkflowEditorProvider> or <WorkflowEditor>.',
} as const;

export type EditorErrorCode = keyof typeof editorErrorMessages;

export interface EditorErrorOptions {
  /** The HTTP status a server would answer with, for errors the in-memory client raises. */
  status?: number;
  /** The ids and facts the error concerns (`workflowId`, `runId`, ...). Plain JSON. */
  details?: Record<string, unknown>;
  /** The underlying error. */
  cause?: unknown;
}

/** An error the editor raises, with a stable `code` from `editorErrorMessages`. */
export class EditorError extends Error {
  override name = 'EditorError';
  readonly code: EditorErrorCode;
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: EditorErrorCode,
    message: string = editorErrorMessages[code],
    options: EditorErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.details = options.details;
  }
}
