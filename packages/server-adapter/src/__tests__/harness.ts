import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { builtinNodes, createRegistry, type RunContext } from '@galaxyflow/engine';
import Ajv2020 from 'ajv/dist/2020.js';
import Database from 'better-sqlite3';
import express from 'express';
import { pino } from 'pino';
import supertest from 'supertest';
import { tokenAuth } from '../auth';
import type { GalaxyOptions } from '../options';
import { createGalaxyRouter } from '../express';
import { createGalaxyFetchHandler } from '../fetch';
import { createSqliteStore } from '../store/sqlite/index';
import type { GalaxyStore } from '../store/types';
import { createInlineQueue, type InlineQueue } from '../testing/inlineQueue';

export const ALICE_TOKEN = 'alice-secret-token';
export const BOB_TOKEN = 'bob-secret-token';
export const ALICE = 'user-alice';
export const BOB = 'user-bob';

export interface TestResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body's bytes as sent (for file downloads). */
  bytes: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely
  body: any;
}

export interface RequestOptions {
  /** Bearer token; default Alice's; null sends no Authorization header. */
  token?: string | null;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (set `content-type` yourself). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface Harness {
  binding: 'express' | 'fetch';
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  store: GalaxyStore;
  queue: InlineQueue;
  /** Row counts of every table, read through a separate connection. */
  tableCounts(): Record<string, number>;
  /** Ids of the user rows, sorted, read through a separate connection. */
  userIds(): string[];
  logLines(): Record<string, unknown>[];
  close(): Promise<void>;
}

export type HarnessFactory = (
  overrides?: Partial<GalaxyOptions> & {
    paused?: boolean;
    /** Host services the queue hands every node, e.g. `llmContext({ providers })`. */
    context?: RunContext;
  },
) => Promise<Harness>;

const TABLES = [
  'users',
  'workflows',
  'workflow_versions',
  'runs',
  'node_results',
  'execution_logs',
  'run_events',
  'idempotency_keys',
];

interface OpenApiOperation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

/**
 * Checks every response the tests see against `openapi.json`: the route and method must be
 * documented (an undocumented method may only answer 405), its status must be documented
 * for the route, and its body must match the documented schema.
 */
function createContractChecker(openapi: {
  paths: Record<string, Record<string, OpenApiOperation>>;
}) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const cache = new Map<object, ReturnType<typeof ajv.compile>>();
  const templates = Object.keys(openapi.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
  }));
  return (method: string, path: string, response: TestResponse) => {
    const pathname = path.split('?')[0]!;
    const entry = templates.find((t) => t.pattern.test(pathname));
    if (!entry) {
      if (response.status === 404) return;
      throw new Error(
        `${method} ${pathname} answered ${response.status}, but openapi.json describes no such path.`,
      );
    }
    const operation = openapi.paths[entry.template]?.[method.toLowerCase()];
    if (!operation) {
      const problem = (response.headers['content-type'] ?? '').startsWith(
        'application/problem+json',
      );
      if (response.status === 405 && problem && response.headers.allow) return;
      throw new Error(
        `${method} ${entry.template} answered ${response.status}, but openapi.json does not describe ${method} on it (only a 405 problem may answer an undocumented method).`,
      );
    }
    const documented = operation.responses[String(response.status)];
    if (!documented) {
      throw new Error(
        `${method} ${entry.template} answered ${response.status}, which openapi.json does not list.`,
      );
    }
    if (!documented.content) {
      if (response.text !== '')
        throw new Error(`${method} ${entry.template} ${response.status} should have no body.`);
      return;
    }
    const contentType = (response.headers['content-type'] ?? '').split(';')[0]!;
    const media = documented.content[contentType];
    if (!media) {
      throw new Error(
        `${method} ${entry.template} ${response.status} sent ${contentType}, not documented.`,
      );
    }
    let validate = cache.get(media.schema);
    if (!validate) {
      validate = ajv.compile(media.schema);
      cache.set(media.schema, validate);
    }
    if (!validate(response.body)) {
      throw new Error(
        `${method} ${entry.template} ${response.status} does not match openapi.json: ${ajv.errorsText(validate.errors)}\n${response.text.slice(0, 500)}`,
      );
    }
  };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface HarnessSetup {
  /** Host middleware mounted in front of the API (Express binding only). Default none. */
  before?: express.RequestHandler[];
}

export function makeHarnessFactory(
  binding: 'express' | 'fetch',
  setup: HarnessSetup = {},
): HarnessFactory {
  return async (overrides = {}) => {
    const dir = mkdtempSync(join(tmpdir(), `galaxy-api-${binding}-`));
    const dbPath = join(dir, 'galaxy.db');
    const store = createSqliteStore({ path: dbPath });
    const registry = createRegistry(builtinNodes);
    const { paused, context, ...rest } = overrides;
    const queue = createInlineQueue({
      store,
      registry,
      paused: paused ?? false,
      ...(context ? { context } : {}),
    });
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, callback) {
          for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
          callback();
        },
      }),
    );
    const options: GalaxyOptions = {
      auth: tokenAuth({ tokens: { [ALICE_TOKEN]: ALICE, [BOB_TOKEN]: BOB } }),
      store,
      queue,
      registry,
      logger,
      ...rest,
    };
    const reader = new Database(dbPath, { readonly: true });
    let check: ReturnType<typeof createContractChecker> | undefined;

    let send: (method: string, path: string, options: RequestOptions) => Promise<TestResponse>;
    let closeServer: () => Promise<void> = async () => {};
    if (binding === 'express') {
      const app = express();
      for (const middleware of setup.before ?? []) app.use(middleware);
      app.use('/api', createGalaxyRouter(options));
      const server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      const { port } = server.address() as AddressInfo;
      const agent = supertest(`http://127.0.0.1:${port}`);
      closeServer = () => new Promise((resolve) => server.close(() => resolve()));
      send = async (method, path, requestOptions) => {
        let test = agent[method.toLowerCase() as 'get'](`/api${path}`);
        const headers = { ...requestOptions.headers };
        const token = requestOptions.token === undefined ? ALICE_TOKEN : requestOptions.token;
        if (token !== null) headers.authorization = `Bearer ${token}`;
        if (requestOptions.json !== undefined) headers['content-type'] ??= 'application/json';
        for (const [name, value] of Object.entries(headers)) test = test.set(name, value);
        const payload =
          requestOptions.raw ??
          (requestOptions.json === undefined ? undefined : JSON.stringify(requestOptions.json));
        // Ask for the raw text whatever the type, so every binding's body is parsed the same way.
        test = test.buffer(true).parse((res, callback) => {
          const data: Buffer[] = [];
          res.on('data', (chunk: Buffer) => {
            data.push(chunk);
          });
          res.on('end', () => callback(null, Buffer.concat(data)));
        });
        const res = payload === undefined ? await test : await test.send(payload);
        const bytes = Buffer.isBuffer(res.body) ? res.body : Buffer.alloc(0);
        const text = bytes.toString('utf8');
        return {
          status: res.status,
          headers: res.headers as Record<string, string>,
          text,
          bytes,
          body: parseBody(text),
        };
      };
    } else {
      const handler = createGalaxyFetchHandler({ ...options, basePath: '/api' });
      send = async (method, path, requestOptions) => {
        const headers = new Headers(requestOptions.headers);
        const token = requestOptions.token === undefined ? ALICE_TOKEN : requestOptions.token;
        if (token !== null) headers.set('authorization', `Bearer ${token}`);
        if (requestOptions.json !== undefined && !headers.has('content-type')) {
          headers.set('content-type', 'application/json');
        }
        const payload =
          requestOptions.raw ??
          (requestOptions.json === undefined ? undefined : JSON.stringify(requestOptions.json));
        const response = await handler(
          new Request(`http://127.0.0.1/api${path}`, {
            method,
            headers,
            ...(payload === undefined ? {} : { body: payload }),
          }),
        );
        const bytes = Buffer.from(await response.arrayBuffer());
        const text = bytes.toString('utf8');
        return {
          status: response.status,
          headers: Object.fromEntries(response.headers),
          text,
          bytes,
          body: parseBody(text),
        };
      };
    }

    const request = async (method: string, path: string, requestOptions: RequestOptions = {}) => {
      const response = await send(method, path, requestOptions);
      if (!check && path !== '/openapi.json') {
        const doc = await send('GET', '/openapi.json', { token: null });
        check = createContractChecker(doc.body);
      }
      check?.(method, path, response);
      return response;
    };

    return {
      binding,
      request,
      store,
      queue,
      tableCounts() {
        return Object.fromEntries(
          TABLES.map((table) => [
            table,
            (reader.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n,
          ]),
        );
      },
      userIds() {
        return (reader.prepare('SELECT id FROM users ORDER BY id').all() as { id: string }[]).map(
          (row) => row.id,
        );
      },
      logLines: () => lines,
      async close() {
        await queue.stop();
        await closeServer();
        reader.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}
