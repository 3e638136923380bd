import {
  catalogProviderList,
  defaultPriceTable,
  type NodeRegistry,
  type ProviderList,
  type NodeResult,
  type RunEvent,
  type RunHandle,
  sniffImageType,
  startRun,
  sumRunUsage,
  type UsageQuery,
  type UsageReport,
  type UsageRow,
  type Workflow,
} from '@galaxyflow/engine';
import { EditorError } from '../errors';
import { WorkflowConflictError } from './conflict';
import type {
  ExecuteInput,
  RunSnapshot,
  RunSummary,
  RunSummaryPage,
  SaveWorkflowInput,
  StoredWorkflow,
  WorkflowChoice,
  StoredWorkflowVersion,
} from '@galaxyflow/engine';
import type { EditorClient, EditorFile } from './types';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** One scripted event: a run event without `runId`/`at`, sent `afterMs` after the previous one (default 0). */
export type ScriptedEvent = DistributiveOmit<RunEvent, 'runId' | 'at'> & { afterMs?: number };

export interface MemoryClientOptions {
  /** Workflows the client starts with. Default none. */
  workflows?: readonly StoredWorkflow[];
  /**
   * Runs execute in the browser with the engine and this registry. Without it (and without
   * `script`), `execute` rejects.
   */
  registry?: NodeRegistry;
  /** Plays these events instead of executing; return undefined to execute normally. Default none. */
  script?: (input: ExecuteInput, workflow: Workflow) => readonly ScriptedEvent[] | undefined;
  /** Past runs listed by the history, newest first. Default none. */
  runs?: readonly RunSnapshot[];
  /** Simulated latency of every call, in ms. Default 0. */
  latencyMs?: number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** What `listProviders` answers, as a server's `GET /providers` would. Default every built-in provider, Gemini the default. */
  providers?: ProviderList;
  /** Largest file `files.upload` takes, in bytes, as a server's upload cap. Default 10 MiB. */
  maxFileBytes?: number;
  /**
   * Usage kept before the client was made, as a server's ledger keeps it: rows of one day
   * each (`day`, and `workflowId`, `provider`, `model` when known). `usage()` adds the model
   * calls of the client's own runs. Default none.
   */
  usage?: readonly UsageRow[];
  /** What `usage()` reports as the caller's limits. Default none. */
  budgets?: UsageReport['budgets'];
}

/** The in-memory client, with a few handles tests and stories use to stage situations. */
export interface MemoryClient extends EditorClient {
  /** Replaces a stored workflow as if another user saved it; bumps its version. */
  saveElsewhere(id: string, workflow: Workflow): StoredWorkflow;
  /** Saves a version written by someone else; bumps its version (`saveElsewhere` with an author). */
  saveAs(author: string, id: string, workflow: Workflow): StoredWorkflow;
  /** The stored workflow, or undefined. */
  peek(id: string): StoredWorkflow | undefined;
  /** Every call made, in order, by method name. */
  readonly calls: {
    method: keyof EditorClient | 'files.upload' | 'files.content';
    args: unknown[];
  }[];
  /** Files kept in memory: what `files.upload` stored. */
  files: NonNullable<EditorClient['files']>;
}

interface RunEntry {
  record: RunSnapshot;
  events: RunEvent[];
  listeners: Set<(event: RunEvent) => void>;
  finished: boolean;
  stop?: () => void;
}

function emptyRecord(id: string, workflowId: string | undefined, at: number): RunSnapshot {
  const record: RunSnapshot = { runId: id, status: 'QUEUED', createdAt: at, nodes: {}, logs: [] };
  if (workflowId !== undefined) record.workflowId = workflowId;
  return record;
}

const canceled = () => ({ code: 'E_CANCELED', message: 'The run was canceled.', retryable: false });

/** Folds an event into the stored record the history shows. */
function recordEvent(record: RunSnapshot, event: RunEvent): void {
  switch (event.type) {
    case 'run:start':
      record.status = 'RUNNING';
      record.startedAt = event.at;
      return;
    case 'node:finish':
      record.nodes[event.nodeId] = event.result;
      return;
    case 'log':
      record.logs.push(event.entry);
      return;
    case 'run:finish':
      record.status = event.status;
      record.durationMs = event.durationMs;
      if (event.error) record.error = event.error;
      record.usage = sumRunUsage(record.nodes);
      return;
    default:
      return;
  }
}

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The daily ledger rows of a run's model calls, as a server writes them with each result. */
function ledgerRowsOf(record: RunSnapshot): UsageRow[] {
  const rows: UsageRow[] = [];
  for (const result of Object.values(record.nodes)) {
    const meta = result.meta;
    if (result.reused || !meta?.usage) continue;
    const row: UsageRow = {
      day: dayOf(
        result.finishedAt ?? record.finishedAt ?? record.startedAt ?? record.createdAt ?? 0,
      ),
      workflowId: record.workflowId ?? null,
      inputTokens: meta.usage.inputTokens ?? 0,
      outputTokens: meta.usage.outputTokens ?? 0,
      costUsd: meta.costUsd ?? 0,
      calls: 1,
      estimatedCalls: meta.usage.estimated ? 1 : 0,
    };
    if (meta.provider !== undefined) row.provider = meta.provider;
    if (meta.model !== undefined) row.model = meta.model;
    rows.push(row);
  }
  return rows;
}

/** A usage report over ledger rows, grouped as `GET /usage` groups them. */
function usageReport(
  rows: readonly UsageRow[],
  query: UsageQuery,
  today: number,
  budgets: UsageReport['budgets'],
): UsageReport {
  const to = query.to ?? dayOf(today);
  const from = query.from ?? dayOf(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS);
  if (from > to) {
    throw new EditorError('E_INVALID_QUERY', `\`from\` (${from}) is after \`to\` (${to}).`, {
      status: 400,
    });
  }
  const groupBy = query.groupBy ?? 'day';
  const groups = new Map<string, UsageRow>();
  const total: UsageReport['total'] = {
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    calls: 0,
    estimatedCalls: 0,
  };
  for (const row of rows) {
    if (row.day === undefined || row.day < from || row.day > to) continue;
    const key: UsageRow = {
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      calls: 0,
      estimatedCalls: 0,
    };
    if (groupBy === 'day') key.day = row.day;
    else if (groupBy === 'workflow') key.workflowId = row.workflowId ?? null;
    else {
      key.provider = row.provider ?? '';
      key.model = row.model ?? '';
    }
    const id = JSON.stringify([key.day, key.workflowId, key.provider, key.model]);
    const group = groups.get(id) ?? key;
    for (const target of [group, total]) {
      target.inputTokens += row.inputTokens;
      target.outputTokens += row.outputTokens;
      target.costUsd = Math.round((target.costUsd + row.costUsd) * 1e8) / 1e8;
      target.calls += row.calls;
      target.estimatedCalls += row.estimatedCalls;
    }
    groups.set(id, group);
  }
  const order = (row: UsageRow) =>
    [row.day ?? '', row.workflowId ?? '', row.provider ?? '', row.model ?? ''].join('\u0000');
  const sorted = [...groups.values()].sort((a, b) =>
    order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0,
  );
  return {
    from,
    to,
    groupBy,
    rows: sorted,
    total,
    pricesAsOf: defaultPriceTable.asOf,
    budgets: structuredClone(budgets),
  };
}

function workflowNotFound(workflowId: string): EditorError {
  return new EditorError('E_WORKFLOW_NOT_FOUND', `There is no workflow "${workflowId}".`, {
    status: 404,
    details: { workflowId },
  });
}

function toWorkflow(input: ExecuteInput, stored: StoredWorkflow | undefined): Workflow {
  if (input.nodes) {
    // The engine checks the graph when the run starts; the script sees it as sent.
    const workflow = { nodes: input.nodes, edges: input.edges ?? [] } as Workflow;
    if (input.settings) workflow.settings = input.settings as Workflow['settings'];
    return workflow;
  }
  if (!stored) throw workflowNotFound(input.workflowId ?? '');
  return stored.workflow as Workflow;
}

/**
 * An `EditorClient` that keeps workflows and runs in memory. It executes runs in the page
 * with the engine (`registry`) or plays scripted events (`script`): stories, tests and demos
 * get the whole editor without a server.
 */
export function createMemoryClient(options: MemoryClientOptions = {}): MemoryClient {
  const now = options.now ?? Date.now;
  const latency = options.latencyMs ?? 0;
  const workflows = new Map<string, StoredWorkflow>();
  /** Every saved version of each workflow, oldest first; a workflow given at the start has its current one. */
  const versions = new Map<string, StoredWorkflowVersion[]>();
  const keepVersion = (
    stored: StoredWorkflow,
    extra: { author?: string; restoredFrom?: number } = {},
  ) => {
    const list = versions.get(stored.id) ?? [];
    list.push({
      version: stored.version,
      createdAt: stored.updatedAt ?? now(),
      restoredFrom: extra.restoredFrom ?? null,
      ...(extra.author !== undefined ? { author: extra.author } : {}),
      workflow: structuredClone(stored.workflow),
    });
    versions.set(stored.id, list);
  };
  for (const stored of options.workflows ?? []) {
    workflows.set(stored.id, structuredClone(stored));
    keepVersion(stored);
  }
  const runs = new Map<string, RunEntry>();
  for (const record of options.runs ?? []) {
    runs.set(record.runId, {
      record: structuredClone(record),
      events: [],
      listeners: new Set(),
      finished: true,
    });
  }
  let sequence = 0;
  const calls: MemoryClient['calls'] = [];
  const files = new Map<string, { record: EditorFile; bytes: Blob }>();
  const maxFileBytes = options.maxFileBytes ?? 10 * 1024 * 1024;

  const settle = <T>(value: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const go = () => {
        try {
          resolve(value());
        } catch (error) {
          reject(error);
        }
      };
      if (latency > 0) setTimeout(go, latency);
      else queueMicrotask(go);
    });

  const publish = (entry: RunEntry, event: RunEvent) => {
    entry.events.push(event);
    recordEvent(entry.record, event);
    if (event.type === 'run:finish') entry.finished = true;
    for (const listener of [...entry.listeners]) listener(event);
  };

  const play = (entry: RunEntry, script: readonly ScriptedEvent[]) => {
    let index = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = () => {
      const step = script[index++];
      if (!step || entry.finished) return;
      const { afterMs: _after, ...event } = step;
      publish(entry, { ...event, runId: entry.record.runId, at: now() } as RunEvent);
      schedule();
    };
    const schedule = () => {
      const step = script[index];
      if (!step) return;
      timer = setTimeout(next, step.afterMs ?? 0);
    };
    entry.stop = () => {
      clearTimeout(timer);
      if (entry.finished) return;
      const at = now();
      const started = new Set<string>();
      const finished = new Set<string>();
      for (const event of entry.events) {
        if (event.type === 'node:start') started.add(event.nodeId);
        if (event.type === 'node:finish') finished.add(event.nodeId);
        if (event.type === 'run:start') for (const id of event.nodeIds) started.add(id);
      }
      for (const nodeId of started) {
        if (finished.has(nodeId)) continue;
        const result: NodeResult & { status: 'CANCELED' } = {
          status: 'CANCELED',
          attempts: 0,
          error: { ...canceled(), nodeId },
        };
        publish(entry, { type: 'node:finish', runId: entry.record.runId, at, nodeId, result });
      }
      const startedAt = entry.record.startedAt ?? at;
      publish(entry, {
        type: 'run:finish',
        runId: entry.record.runId,
        at,
        status: 'CANCELED',
        durationMs: at - startedAt,
        error: canceled(),
      });
    };
    schedule();
  };

  const execute = (entry: RunEntry, workflow: Workflow, input: ExecuteInput) => {
    const registry = options.registry;
    if (!registry)
      throw new EditorError('E_NO_RUNNER', undefined, { details: { runId: entry.record.runId } });
    const reuse = input.reuseRunId ? runs.get(input.reuseRunId)?.record.nodes : undefined;
    const handle: RunHandle = startRun(workflow, {
      registry,
      runId: entry.record.runId,
      now,
      context: {
        loadWorkflow: async ({ workflowId, version }) => {
          const found = versions.get(workflowId)?.find((entry) => entry.version === version);
          return found ? structuredClone(found.workflow) : undefined;
        },
      },
      ...(input.targetNodeIds ? { targetNodeIds: input.targetNodeIds } : {}),
      ...(input.inputs ? { inputs: input.inputs } : {}),
      ...(reuse ? { reuse: { nodes: reuse } } : {}),
      onEvent: (event) => publish(entry, event),
    });
    entry.stop = () => handle.cancel();
  };

  const client: MemoryClient = {
    calls,
    peek: (id) => workflows.get(id),
    saveElsewhere(id, workflow) {
      return client.saveAs('someone else', id, workflow);
    },
    saveAs(author, id, workflow) {
      const current = workflows.get(id);
      const next: StoredWorkflow = {
        id,
        version: (current?.version ?? 0) + 1,
        workflow,
        updatedAt: now(),
      };
      if (current?.name !== undefined) next.name = current.name;
      workflows.set(id, next);
      keepVersion(next, { author });
      return structuredClone(next);
    },
    listVersions(id, query = {}) {
      calls.push({ method: 'listVersions', args: [id, query] });
      return settle(() => {
        const list = versions.get(id);
        if (!list) throw workflowNotFound(id);
        const page = query.page ?? 1;
        const limit = query.limit ?? 20;
        const newestFirst = [...list].reverse();
        return {
          page,
          limit,
          total: list.length,
          items: newestFirst
            .slice((page - 1) * limit, page * limit)
            .map(({ workflow: _, ...summary }) => ({ ...summary })),
        };
      });
    },
    getVersion(id, version) {
      calls.push({ method: 'getVersion', args: [id, version] });
      return settle(() => {
        const found = versions.get(id)?.find((entry) => entry.version === version);
        if (!found) {
          if (!workflows.has(id)) throw workflowNotFound(id);
          throw new EditorError(
            'E_VERSION_NOT_FOUND',
            `Workflow "${id}" has no version ${version}.`,
            { status: 404, details: { workflowId: id, version } },
          );
        }
        return structuredClone(found);
      });
    },
    restoreVersion(id, version, expectedVersion) {
      calls.push({ method: 'restoreVersion', args: [id, version, expectedVersion] });
      return settle(() => {
        const current = workflows.get(id);
        if (!current) throw workflowNotFound(id);
        if (expectedVersion !== undefined && expectedVersion !== current.version) {
          throw new WorkflowConflictError(id, current.version);
        }
        const found = versions.get(id)?.find((entry) => entry.version === version);
        if (!found)
          throw new EditorError(
            'E_VERSION_NOT_FOUND',
            `Workflow "${id}" has no version ${version}.`,
            { status: 404, details: { workflowId: id, version } },
          );
        const next: StoredWorkflow = {
          id,
          version: current.version + 1,
          workflow: structuredClone(found.workflow),
          updatedAt: now(),
        };
        if (current.name !== undefined) next.name = current.name;
        workflows.set(id, next);
        keepVersion(next, { restoredFrom: version });
        return structuredClone(next);
      });
    },
    getWorkflow(id) {
      calls.push({ method: 'getWorkflow', args: [id] });
      return settle(() => {
        const stored = workflows.get(id);
        if (!stored) throw workflowNotFound(id);
        return structuredClone(stored);
      });
    },
    listWorkflows() {
      calls.push({ method: 'listWorkflows', args: [] });
      return settle(() =>
        [...workflows.values()]
          .sort((a, b) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0))
          .map(({ id, name, version, updatedAt }) => {
            const choice: WorkflowChoice = { id, version };
            if (name !== undefined) choice.name = name;
            if (updatedAt !== undefined) choice.updatedAt = updatedAt;
            return choice;
          }),
      );
    },
    getWorkflowVersion(id: string, version: number) {
      calls.push({ method: 'getWorkflowVersion', args: [id, version] });
      return settle(() => {
        const found = versions.get(id)?.find((entry) => entry.version === version);
        if (!found) throw workflowNotFound(id);
        const stored: StoredWorkflow = { id, version, workflow: structuredClone(found.workflow) };
        const name = workflows.get(id)?.name;
        if (name !== undefined) stored.name = name;
        return stored;
      });
    },
    saveWorkflow(input: SaveWorkflowInput) {
      calls.push({ method: 'saveWorkflow', args: [input] });
      return settle(() => {
        const current = workflows.get(input.id);
        if (
          current &&
          input.expectedVersion !== undefined &&
          input.expectedVersion !== current.version
        ) {
          throw new WorkflowConflictError(input.id, current.version);
        }
        const next: StoredWorkflow = {
          id: input.id,
          version: (current?.version ?? 0) + 1,
          workflow: structuredClone(input.workflow),
          updatedAt: now(),
        };
        const name = input.name ?? current?.name;
        if (name !== undefined) next.name = name;
        workflows.set(input.id, next);
        keepVersion(next);
        return structuredClone(next);
      });
    },
    execute(input) {
      calls.push({ method: 'execute', args: [input] });
      return settle(() => {
        const stored = input.workflowId ? workflows.get(input.workflowId) : undefined;
        const workflow = toWorkflow(input, stored);
        sequence += 1;
        const runId = `run_${now().toString(36)}_${sequence}`;
        const entry: RunEntry = {
          record: emptyRecord(runId, input.workflowId, now()),
          events: [],
          listeners: new Set(),
          finished: false,
        };
        runs.set(runId, entry);
        // Canceled before it starts (Cancel pressed before Run was answered): it ends at once,
        // with no node run, as a server ends a queued run.
        entry.stop = () => {
          publish(entry, {
            type: 'run:finish',
            runId,
            at: now(),
            status: 'CANCELED',
            durationMs: 0,
            error: canceled(),
          });
        };
        const script = options.script?.(input, workflow);
        // Events start on the next task, after the caller had the chance to subscribe.
        setTimeout(() => {
          if (entry.finished) return;
          try {
            if (script) play(entry, script);
            else execute(entry, workflow, input);
          } catch (error) {
            const at = now();
            const info = {
              code: (error as { code?: string }).code ?? 'E_VALIDATION',
              message: (error as Error).message,
              retryable: false,
            };
            publish(entry, {
              type: 'run:finish',
              runId,
              at,
              status: 'FAILED',
              durationMs: 0,
              error: info,
            });
          }
        });
        return { runId };
      });
    },
    subscribe(runId, onEvent) {
      calls.push({ method: 'subscribe', args: [runId] });
      const entry = runs.get(runId);
      if (!entry) return () => {};
      let active = true;
      const listener = (event: RunEvent) => {
        if (active) onEvent(event);
      };
      // Replay what already happened, like an SSE stream with Last-Event-ID.
      queueMicrotask(() => {
        if (!active) return;
        for (const event of [...entry.events]) onEvent(event);
        entry.listeners.add(listener);
      });
      return () => {
        active = false;
        entry.listeners.delete(listener);
      };
    },
    cancel(runId) {
      calls.push({ method: 'cancel', args: [runId] });
      return settle(() => {
        runs.get(runId)?.stop?.();
        return { ok: true };
      });
    },
    listRuns(query) {
      calls.push({ method: 'listRuns', args: [query] });
      return settle((): RunSummaryPage => {
        const page = Math.max(1, query.page ?? 1);
        const limit = Math.max(1, query.limit ?? 10);
        const all = [...runs.values()]
          .map((entry) => entry.record)
          .filter((record) => record.workflowId === query.workflowId)
          .sort((a, b) => (b.startedAt ?? b.createdAt ?? 0) - (a.startedAt ?? a.createdAt ?? 0));
        const items = all.slice((page - 1) * limit, page * limit).map((record): RunSummary => {
          const { nodes: _nodes, logs: _logs, ...summary } = record;
          return summary;
        });
        return { items, page, limit, total: all.length, hasMore: page * limit < all.length };
      });
    },
    getRun(runId) {
      calls.push({ method: 'getRun', args: [runId] });
      return settle(() => {
        const entry = runs.get(runId);
        if (!entry)
          throw new EditorError('E_RUN_NOT_FOUND', `There is no run "${runId}".`, {
            status: 404,
            details: { runId },
          });
        return structuredClone(entry.record);
      });
    },
    files: {
      async upload(file, uploadOptions = {}) {
        calls.push({ method: 'files.upload', args: [file, uploadOptions] });
        // Checked as the server checks: by size, then by the bytes, never the declared type.
        if (file.size > maxFileBytes) {
          throw new EditorError(
            'E_FILE_TOO_LARGE',
            `The file is ${file.size} bytes; uploads may be at most ${maxFileBytes}.`,
            {
              status: 413,
              details: { size: file.size, maxBytes: maxFileBytes },
            },
          );
        }
        const bytes = new Uint8Array(await file.arrayBuffer());
        const contentType = sniffImageType(bytes);
        if (!contentType)
          throw new EditorError('E_FILE_TYPE_NOT_ALLOWED', undefined, { status: 415 });
        // Progress in quarters, spread over the simulated latency.
        for (let part = 1; part <= 4; part++) {
          uploadOptions.signal?.throwIfAborted();
          if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency / 4));
          uploadOptions.onProgress?.((file.size * part) / 4, file.size);
        }
        sequence += 1;
        const id = `file_${now().toString(36)}_${sequence}`;
        const name =
          uploadOptions.name ??
          ((file as { name?: unknown }).name as string | undefined) ??
          'upload';
        const record: EditorFile = { id, name, contentType, size: file.size };
        files.set(id, { record, bytes: new Blob([bytes], { type: contentType }) });
        return { ...record };
      },
      content(id) {
        calls.push({ method: 'files.content', args: [id] });
        return settle(() => {
          const entry = files.get(id);
          if (!entry)
            throw new EditorError('E_FILE_NOT_FOUND', `There is no file "${id}".`, {
              status: 404,
              details: { fileId: id },
            });
          return entry.bytes;
        });
      },
    },
    listProviders() {
      calls.push({ method: 'listProviders', args: [] });
      return settle(() => structuredClone(options.providers ?? catalogProviderList()));
    },
    usage(query = {}) {
      calls.push({ method: 'usage', args: [query] });
      return settle(() => {
        const rows = [...(options.usage ?? [])];
        for (const entry of runs.values()) rows.push(...ledgerRowsOf(entry.record));
        return usageReport(rows, query, now(), options.budgets ?? []);
      });
    },
  };
  return client;
}
