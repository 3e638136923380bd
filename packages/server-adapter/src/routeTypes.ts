import type { Logger } from 'pino';
import type * as z from 'zod';
import type { CoreStream } from './sse';

/** A request as the core sees it, whatever server received it. */
export interface CoreRequest {
  method: string;
  /** Path and query relative to where the API is mounted, e.g. `/runs?limit=20`. */
  url: string;
  headers: { get(name: string): string | null };
  /** Reads the whole body; throws `E_BODY_TOO_LARGE` past `maxBytes`. */
  readBody(maxBytes: number): Promise<Uint8Array | string>;
  /**
   * The body as it arrives, for routes that stream it elsewhere (file uploads) instead of
   * holding it; a client that leaves mid-body makes it throw `ClientAbort`.
   */
  bodyStream(): AsyncIterable<Uint8Array>;
  /** The client's address as the connection saw it, when the binding knows it. */
  clientAddress?: string | null;
}

export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  body: string | null;
  /** A body produced over time (Server-Sent Events); `body` is then null. */
  stream?: CoreStream;
  /** A byte body read as it is sent (a stored file); `body` is then null. */
  bytes?: AsyncIterable<Uint8Array>;
}

/** What a route handler returns. */
export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** A streamed body instead of `body`. */
  stream?: CoreStream;
  /** A text body sent as it is instead of `body` as JSON; set its `content-type` in `headers`. */
  text?: string;
  /** A byte body streamed as it is instead of `body`; set its `content-type` in `headers`. */
  bytes?: AsyncIterable<Uint8Array>;
}

/** What a route handler gets. */
export interface RouteContext {
  userId: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: CoreRequest['headers'];
  requestId: string;
  log: Logger;
  /** Parses the body as JSON against `schema`; an empty body parses as `{}` when `optional`. */
  body<S extends z.ZodType>(schema: S, options?: { optional?: boolean }): Promise<z.output<S>>;
  /** The raw body as it arrives, for routes that stream it (file uploads); read it once. */
  bodyStream(): AsyncIterable<Uint8Array>;
  /** Parses the query string against `schema`. */
  parseQuery<S extends z.ZodType>(schema: S): z.output<S>;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One route of the API: how to answer it, and how `openapi.json` describes it. */
export interface RouteDefinition {
  method: Method;
  /** Express-style pattern relative to the mount point, e.g. `/workflows/:id`. */
  path: string;
  /** Whether the route needs credentials. */
  auth: boolean;
  operationId: string;
  summary: string;
  body?: { schema: z.ZodType; optional?: boolean };
  query?: z.ZodType;
  /** Success responses by status. Problems are added from `problems`. */
  responses: Record<
    number,
    { schema: z.ZodType; description: string; mediaType?: string | readonly string[] }
  >;
  /** Problem statuses the route may answer with, besides those every route shares. */
  problems: number[];
  handler(context: RouteContext): Promise<RouteResult>;
}
