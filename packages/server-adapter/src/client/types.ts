import type { RunEvent } from '@galaxyflow/engine';
import type * as z from 'zod';
import type { GalaxySchemas } from '../schemas';

/** The API's records and bodies, typed from the same zod schemas the server parses with. */
type Out<K extends keyof GalaxySchemas> = z.output<GalaxySchemas[K]>;
type In<K extends keyof GalaxySchemas> = z.input<GalaxySchemas[K]>;

/** A saved workflow, as `GET /workflows/:id` sends it. */
export type WorkflowRecord = Out<'Workflow'>;
/** A row of `GET /workflows`. */
export type WorkflowSummary = Out<'WorkflowPage'>['items'][number];
export type WorkflowPage = Out<'WorkflowPage'>;
/** One saved version's snapshot. */
export type WorkflowVersion = Out<'WorkflowVersion'>;
export type WorkflowVersionPage = Out<'WorkflowVersionPage'>;
/** A run record, as `GET /runs` lists it. */
export type RunRecord = Out<'Run'>;
export type RunPage = Out<'RunPage'>;
/**
 * A run with its graph, node results and logs (`GET /runs/:id`): the first page of each and
 * the cursors of the rest, or every one (and null cursors) as `client.runs.get` returns it.
 */
export type RunDetail = Out<'RunDetail'>;
/** An uploaded or generated file's record (`GET /files/:id`). */
export type FileRecord = Out<'File'>;
export type FilePage = Out<'FilePage'>;

export interface UploadFileOptions {
  /** The name downloads get. Default the `File`'s name, else `upload.<ext>`. */
  name?: string;
  /** Sent as `Content-Type`; the server checks it against the bytes. Default the `Blob`'s type, else `application/octet-stream`. */
  contentType?: string;
  /** Aborts the upload. */
  signal?: AbortSignal;
  /**
   * Called as the bytes go out, with bytes sent and the total. In a browser, with the client's
   * own `fetch` (no `fetch` option), the upload goes through `XMLHttpRequest`, which can tell;
   * elsewhere it is called once, with everything sent, when the server has answered.
   */
  onProgress?: (loaded: number, total: number) => void;
}

/** A page of a run's node results (`GET /runs/:id/nodes`). */
export type NodeResultPage = Out<'NodeResultPage'>;
/** A page of a run's log lines (`GET /runs/:id/logs`). */
export type LogPage = Out<'LogPage'>;
/** Where a page of a run's node results or logs starts, and its size. */
export type RunItemsParams = Partial<In<'RunItemsQuery'>>;

export interface GetRunOptions {
  /**
   * `'all'` reads every page of node results and logs, so the detail holds them all;
   * `'first'` returns the first page and the cursors (`nodeResultsNext`, `logsNext`) of the
   * rest. Default `'all'`.
   */
  pages?: 'all' | 'first';
}

/** `GET /providers`: the providers the server configured, the default flagged. */
export type ProviderList = Out<'ProviderList'>;

/** `POST /workflows` body. */
export type CreateWorkflowInput = In<'WorkflowCreateBody'>;
/** `PUT /workflows/:id` body: the fields to change and the version they were based on. */
export type UpdateWorkflowInput = Omit<In<'WorkflowUpdateBody'>, 'expectedVersion'> & {
  expectedVersion: number;
};
/** `GET /workflows` parameters; the server fills what is left out. */
export type WorkflowListParams = Partial<In<'WorkflowListQuery'>>;
/** `GET /runs` parameters; the server fills what is left out. */
export type RunListParams = Partial<In<'RunListQuery'>>;
/** Paging parameters; the server fills what is left out. */
export type PageParams = Partial<In<'PageQuery'>>;

export interface ExecuteOptions {
  /** Sent as `Idempotency-Key`: a retried request gets the first one's run. Default none. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** Where a subscription stands. */
export type SubscriptionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SubscribeOptions {
  /** Resume after this event number (an earlier subscription's last `seq`). Default 0: from the start. */
  lastEventId?: number;
  /** Every event comes with its number; keep the last to resume later. */
  onEventId?(seq: number): void;
  /** Connection problems; the subscription keeps retrying unless the error is final (404, 401, 400). */
  onError?(error: unknown): void;
  /** Each change of state; `closed` comes once, after `run:finish`, a final error or unsubscribe. */
  onStateChange?(state: SubscriptionState): void;
}

export type { RunEvent };
