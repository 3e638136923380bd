import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ClientAbort, isJsonContentType, parseJsonBody } from './body';
import { isStoreUnavailable, ProblemError, toProblemDocument } from './errors';
import { type RateLimitScope, reportError } from './observe';
import { type GalaxyOptions, resolveOptions } from './options';
import type { RateLimiter } from './rateLimit';
import type {
  CoreRequest,
  CoreResponse,
  RouteContext,
  RouteDefinition,
  RouteResult,
} from './routeTypes';
import { createRoutes } from './routes';
import { zodIssues } from './routes/shared';

/** The framework-neutral API: both bindings translate to and from it. */
export interface GalaxyCore {
  /** Answers a request, or undefined when no route has its path (the binding decides). */
  handle(request: CoreRequest): Promise<CoreResponse | undefined>;
  /** The OpenAPI 3.1 document served at `/openapi.json`. */
  readonly openapi: Record<string, unknown>;
  readonly routes: readonly RouteDefinition[];
  /** A 404 problem, for bindings that answer unknown paths themselves; it keeps a safe incoming `X-Request-Id`. */
  notFound(path: string, headers?: CoreRequest['headers']): CoreResponse;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is safe to echo and log, else a new one. */
function requestIdOf(headers: CoreRequest['headers']): string {
  const incoming = headers.get('x-request-id');
  return incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}
const KNOWN_USERS_CAP = 10_000;
/** Seconds a client is asked to wait when the database cannot be reached. */
const STORE_RETRY_AFTER_SECONDS = 5;
/** Seconds a client is asked to wait while the rate limiter's store does not answer. */
const LIMITER_RETRY_AFTER_SECONDS = 5;

/** Who is asking, for the failed-authentication limit; null when nobody can tell. */
function clientKeyOf(request: CoreRequest, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for');
    const last = forwarded?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return request.clientAddress ?? null;
}

interface CompiledRoute {
  definition: RouteDefinition;
  segments: string[];
}

/** A route pattern's segments. */
function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** The path of a request target as the client sent it: before a URL parser resolves `..`. */
function rawPathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/**
 * The segments of a request path, still encoded. A trailing slash is tolerated; an empty
 * segment inside (`//workflows`) is kept, so it matches no route instead of being folded
 * into one. A segment that does not decode, or decodes to `.` or `..` (`%2e%2e`), is
 * refused: resolved after routing, it would reach a route the path never named.
 */
function requestSegments(rawPath: string): string[] {
  const segments = rawPath.replace(/^\//, '').split('/');
  if (segments.at(-1) === '') segments.pop();
  for (const segment of segments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new ProblemError('E_INVALID_PATH', {
        detail: 'A path segment is not valid percent-encoded UTF-8.',
      });
    }
    if (decoded === '.' || decoded === '..') {
      throw new ProblemError('E_INVALID_PATH', {
        detail: 'The path contains a "." or ".." segment; send the path it stands for instead.',
      });
    }
  }
  return segments;
}

function matchSegments(pattern: string[], path: string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = path[i]!;
    if (expected.startsWith(':')) {
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

/** The route label of a request whose path was not valid: one label, not the path itself. */
const INVALID_PATH_ROUTE = '(invalid path)';

/** Builds the request pipeline every binding shares: route, auth, rate limit, handler, problem. */
export function createGalaxyCore(input: GalaxyOptions): GalaxyCore {
  const options = resolveOptions(input);
  const { auth, store, logger, limits, metrics } = options;
  const { routes, openapi } = createRoutes(options);
  const compiled: CompiledRoute[] = routes.map((definition) => ({
    definition,
    segments: splitPath(definition.path),
  }));
  // Creating the user row on every request would make each read a write; remember who exists.
  const knownUsers = new Set<string>();

  function respond(result: RouteResult, requestId: string): CoreResponse {
    if (result.stream) {
      return {
        status: result.status,
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          // Tells nginx-style proxies not to buffer the stream.
          'x-accel-buffering': 'no',
          'x-request-id': requestId,
          ...result.headers,
        },
        body: null,
        stream: result.stream,
      };
    }
    if (result.bytes) {
      return {
        status: result.status,
        headers: { 'x-request-id': requestId, ...result.headers },
        body: null,
        bytes: result.bytes,
      };
    }
    return {
      status: result.status,
      headers: {
        'content-type': JSON_TYPE,
        'cache-control': 'no-store',
        'x-request-id': requestId,
        ...result.headers,
      },
      body:
        result.text !== undefined
          ? result.text
          : result.body === undefined
            ? null
            : JSON.stringify(result.body),
    };
  }

  function problem(error: ProblemError, path: string, requestId: string): CoreResponse {
    return {
      status: error.status,
      headers: {
        'content-type': PROBLEM_TYPE,
        'cache-control': 'no-store',
        'x-request-id': requestId,
        ...error.headers,
      },
      body: JSON.stringify(toProblemDocument(error, { instance: path, requestId })),
    };
  }

  async function handle(request: CoreRequest): Promise<CoreResponse | undefined> {
    const started = performance.now();
    const url = new URL(request.url, 'http://galaxy.invalid');
    const path = rawPathOf(request.url);
    const requestId = requestIdOf(request.headers);
    const method = request.method.toUpperCase();
    let segments: string[];
    try {
      segments = requestSegments(path);
    } catch (error) {
      const response = problem(error as ProblemError, path, requestId);
      logger.info({ requestId, method, path, status: response.status }, 'request');
      metrics?.request({
        route: INVALID_PATH_ROUTE,
        method,
        status: response.status,
        seconds: (performance.now() - started) / 1000,
      });
      return response;
    }

    let route: CompiledRoute | undefined;
    let params: Record<string, string> | undefined;
    const allowed: string[] = [];
    /** The route pattern of this path, for logs and metrics (whatever the method). */
    let pattern: string | undefined;
    for (const candidate of compiled) {
      const match = matchSegments(candidate.segments, segments);
      if (!match) continue;
      pattern ??= candidate.definition.path;
      allowed.push(candidate.definition.method);
      if (candidate.definition.method === method) {
        route = candidate;
        params = match;
        break;
      }
    }
    // No route has this path: the binding answers it.
    if (pattern === undefined) return undefined;

    let userId: string | undefined;
    let response: CoreResponse;
    let aborted = false;
    /** What went wrong, when the answer is a 5xx: handed to the host's `onError`. */
    let fault: { error: unknown; code: string } | undefined;
    /**
     * A limiter that cannot decide (its shared store is down) lets nothing through unchecked:
     * the client is told to come back shortly, and the cause goes to the log.
     */
    const askLimiter = async <T>(ask: () => Promise<T> | T): Promise<T> => {
      try {
        return await ask();
      } catch (cause) {
        logger.error({ err: cause, requestId, method, path }, 'request limits unavailable');
        throw new ProblemError('E_UNAVAILABLE', {
          detail:
            'Request limits cannot be checked right now, so nothing was done. Try again shortly.',
          headers: { 'retry-after': String(LIMITER_RETRY_AFTER_SECONDS) },
          cause,
        });
      }
    };
    try {
      if (!route || !params) {
        throw new ProblemError('E_METHOD_NOT_ALLOWED', { headers: { allow: allowed.join(', ') } });
      }
      const { definition } = route;
      const rateHeaders: Record<string, string> = {};
      const limit = async (limiter: RateLimiter, key: string, scope: RateLimitScope) => {
        const decision = await askLimiter(() =>
          limiter.consume(key, `${definition.method} ${definition.path}`),
        );
        rateHeaders['ratelimit-limit'] = String(decision.limit);
        rateHeaders['ratelimit-remaining'] = String(decision.remaining);
        rateHeaders['ratelimit-reset'] = String(decision.resetSeconds);
        rateHeaders['ratelimit-policy'] = `${decision.limit};w=${decision.windowSeconds}`;
        if (!decision.allowed) {
          metrics?.rateLimited(scope);
          throw new ProblemError('E_RATE_LIMITED', {
            headers: { ...rateHeaders, 'retry-after': String(decision.retryAfterSeconds) },
          });
        }
      };
      if (!definition.auth && options.publicRateLimit) {
        // Public routes have no user to count against: they count per client address.
        const clientKey = clientKeyOf(request, options.trustProxy);
        if (clientKey !== null) await limit(options.publicRateLimit, clientKey, 'public');
      }
      if (definition.auth) {
        const identity = await auth.authenticate({
          method,
          url: request.url,
          headers: request.headers,
        });
        if (!identity || typeof identity.userId !== 'string' || identity.userId === '') {
          // Valid credentials are never refused here: behind a proxy or a shared NAT every
          // client has one address, and one client's failures must not lock the others out.
          const failures = options.authFailureLimit;
          const clientKey = failures ? clientKeyOf(request, options.trustProxy) : null;
          if (failures && clientKey !== null) {
            const waitSeconds = await askLimiter(() => failures.check(clientKey));
            if (waitSeconds > 0) {
              metrics?.rateLimited('sign_in');
              throw new ProblemError('E_RATE_LIMITED', {
                detail: 'Too many requests from your address failed to sign in.',
                headers: { 'retry-after': String(waitSeconds) },
              });
            }
            await askLimiter(() => failures.fail(clientKey));
          }
          throw new ProblemError('E_UNAUTHORIZED', { headers: { 'www-authenticate': 'Bearer' } });
        }
        userId = identity.userId;
        if (!knownUsers.has(userId)) {
          await store.ensureUser(userId);
          if (knownUsers.size >= KNOWN_USERS_CAP) knownUsers.clear();
          knownUsers.add(userId);
        }
        if (options.rateLimit) await limit(options.rateLimit, userId, 'user');
      }
      let childLogger: Logger | undefined;
      const context: RouteContext = {
        userId: userId ?? '',
        params,
        query: url.searchParams,
        headers: request.headers,
        requestId,
        get log() {
          childLogger ??= logger.child({ requestId });
          return childLogger;
        },
        async body(schema, bodyOptions) {
          const contentType = request.headers.get('content-type');
          const raw = await request.readBody(limits.maxBodyBytes);
          const empty = typeof raw === 'string' ? raw.length === 0 : raw.byteLength === 0;
          let value: unknown;
          if (empty && bodyOptions?.optional) {
            value = {};
          } else if (!isJsonContentType(contentType)) {
            throw new ProblemError('E_UNSUPPORTED_MEDIA_TYPE', {
              detail: `Got ${contentType === null ? 'no Content-Type' : `Content-Type "${contentType}"`}; send application/json.`,
            });
          } else {
            value = parseJsonBody(raw, limits.maxJsonDepth);
          }
          const parsed = schema.safeParse(value);
          if (!parsed.success) {
            throw new ProblemError('E_INVALID_BODY', { issues: zodIssues(parsed.error) });
          }
          return parsed.data;
        },
        bodyStream: () => request.bodyStream(),
        parseQuery(schema) {
          const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
          if (!parsed.success) {
            throw new ProblemError('E_INVALID_QUERY', { issues: zodIssues(parsed.error) });
          }
          return parsed.data;
        },
      };
      const result = await definition.handler(context);
      response = respond({ ...result, headers: { ...rateHeaders, ...result.headers } }, requestId);
    } catch (error) {
      if (error instanceof ProblemError) {
        response = problem(error, path, requestId);
        // A 5xx problem (an outage a route recognised) carries what caused it.
        if (error.status >= 500) fault = { error: error.cause ?? error, code: error.code };
      } else if (error instanceof ClientAbort) {
        // Nobody is left to read an answer; 499 (as nginx logs it) keeps the log line honest.
        aborted = true;
        response = { status: 499, headers: { 'x-request-id': requestId }, body: null };
      } else if (isStoreUnavailable(error)) {
        // Not this request's fault, and over once the database answers: 503 tells clients and
        // load balancers to come back, where a 500 would read as a bug.
        logger.error({ err: error, requestId, method, path }, 'the database is unavailable');
        response = problem(
          new ProblemError('E_UNAVAILABLE', {
            detail: 'The database cannot be reached. Try again shortly.',
            headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) },
          }),
          path,
          requestId,
        );
        fault = { error, code: 'E_UNAVAILABLE' };
      } else {
        logger.error({ err: error, requestId, method, path }, 'request failed');
        response = problem(new ProblemError('E_INTERNAL'), path, requestId);
        fault = { error, code: 'E_INTERNAL' };
      }
    }
    const durationMs = performance.now() - started;
    const line = {
      requestId,
      method,
      route: pattern,
      status: response.status,
      durationMs: Math.round(durationMs * 1000) / 1000,
      userId,
    };
    metrics?.request({
      route: pattern,
      method,
      status: response.status,
      seconds: durationMs / 1000,
    });
    if (fault) {
      reportError(
        options.onError,
        fault.error,
        {
          kind: 'request',
          requestId,
          method,
          route: line.route,
          status: response.status,
          code: fault.code,
          ...(userId === undefined ? {} : { userId }),
        },
        (details, message) => logger.error(details, message),
      );
    }
    if (aborted) logger.info({ ...line, clientAbort: true }, 'client aborted the request');
    else if (response.status >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
    return response;
  }

  return {
    handle,
    openapi,
    routes,
    notFound: (path, headers) => {
      const requestId = headers ? requestIdOf(headers) : randomUUID();
      logger.info({ requestId, path, status: 404 }, 'request');
      return problem(new ProblemError('E_NOT_FOUND'), path, requestId);
    },
  };
}
