import { randomUUID } from 'node:crypto';
import type { GalaxyError, JsonValue, RunEvent } from '@galaxyflow/engine';
import { hostError } from '../errors';
import { ledgerDayOf, ledgerEntryOf } from './ledger';
import { createMemoryFiles } from './memoryFiles';
import { createMemoryUsage } from './memoryUsage';
import {
  ACTIVE_RUN_STATUSES,
  closeOpenResults,
  cursorAfter,
  cursorPageOf,
  DEFAULT_PRUNE_LIMIT,
  emptyCounts,
  fileIdsOf,
  graphOf,
  matchesQuery,
  mergeContent,
  queuedCancelError,
} from './shared';
import type {
  ClaimedRun,
  CursorPage,
  ExecutionLogRecord,
  GalaxyStore,
  LogInput,
  NodeResultInput,
  NodeResultRecord,
  Page,
  RunEventRecord,
  RunProgress,
  RunRecord,
  SaveResult,
  UserRecord,
  WorkflowContent,
  WorkflowGraph,
  WorkflowRecord,
  WorkflowVersionRecord,
} from './types';

export interface MemoryStoreOptions {
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

interface StoredWorkflow extends WorkflowRecord {
  deleted: boolean;
}

interface StoredRun {
  record: RunRecord;
  graph: WorkflowGraph | null;
  traceparent: string | null;
  inputs: Record<string, JsonValue> | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  nodeResults: Map<string, NodeResultRecord>;
  logs: ExecutionLogRecord[];
  events: RunEventRecord[];
}

/** Newest first, ties broken by id like the SQL stores do. */
function newestFirst<T extends { createdAt: number; id: string }>(a: T, b: T): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

function slice<T>(all: T[], query: { page: number; limit: number }): Page<T> {
  const start = (query.page - 1) * query.limit;
  return {
    items: all.slice(start, start + query.limit),
    page: query.page,
    limit: query.limit,
    total: all.length,
  };
}

const copy = <T>(value: T): T => structuredClone(value);

/** A worker wrote to a run this store does not hold (deleted, or another store's). */
function runMissing(runId: string): GalaxyError {
  return hostError(
    'E_STORE_RUN_MISSING',
    `Run ${runId} is not in this store (deleted, or created in another store?), so nothing was recorded for it.`,
    { runId },
  );
}

/**
 * A store in plain maps, keeping the records as they are (timestamps in epoch ms), for host unit tests and throwaway demos. It keeps nothing across
 * restarts. It passes the same contract suite as the SQLite store.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): GalaxyStore {
  const now = options.now ?? Date.now;
  const users = new Map<string, UserRecord>();
  const workflows = new Map<string, StoredWorkflow>();
  const versions = new Map<string, WorkflowVersionRecord[]>();
  const runs = new Map<string, StoredRun>();
  const idempotency = new Map<string, { requestHash: string; runId: string; expiresAt: number }>();
  const usage = createMemoryUsage();
  let logId = 0;
  let closed = false;

  function liveWorkflow(ownerId: string, id: string): StoredWorkflow | undefined {
    const workflow = workflows.get(id);
    return workflow && workflow.ownerId === ownerId && !workflow.deleted ? workflow : undefined;
  }

  function ownRun(ownerId: string, id: string): StoredRun | undefined {
    const run = runs.get(id);
    return run && run.record.ownerId === ownerId ? run : undefined;
  }

  function publicWorkflow(workflow: StoredWorkflow): WorkflowRecord {
    const { deleted: _, ...record } = workflow;
    return copy(record);
  }

  function runGraph(run: StoredRun): WorkflowGraph {
    if (run.graph) return run.graph;
    const snapshot = versions
      .get(run.record.workflowId ?? '')
      ?.find((v) => v.version === run.record.workflowVersion);
    if (!snapshot) {
      const { id, workflowId, workflowVersion } = run.record;
      throw hostError(
        'E_STORE_SNAPSHOT_MISSING',
        `Run ${id} ran version ${workflowVersion} of workflow ${workflowId}, which is missing from the store, so the run cannot be loaded.`,
        { runId: id, workflowId, workflowVersion },
      );
    }
    return graphOf(snapshot);
  }

  function save(
    workflow: StoredWorkflow,
    changes: Partial<WorkflowContent>,
    expectedVersion: number,
    restoredFrom: number | null,
  ): SaveResult {
    if (workflow.version !== expectedVersion) {
      return { ok: false, reason: 'version_conflict', currentVersion: workflow.version };
    }
    const content = copy(mergeContent(workflow, changes));
    const at = now();
    Object.assign(workflow, content, { version: workflow.version + 1, updatedAt: at });
    versions.get(workflow.id)?.push({
      workflowId: workflow.id,
      version: workflow.version,
      ...copy(content),
      restoredFrom,
      createdAt: at,
    });
    return { ok: true, workflow: publicWorkflow(workflow) };
  }

  function writeNodeResult(run: StoredRun, result: NodeResultInput): void {
    run.nodeResults.set(result.nodeId, { ...copy(result), runId: run.record.id });
    const entry = ledgerEntryOf(result);
    if (entry) {
      usage.add(
        { runId: run.record.id, nodeId: result.nodeId },
        {
          ownerId: run.record.ownerId,
          workflowId: run.record.workflowId,
          day: ledgerDayOf(result, now()),
        },
        entry,
      );
    }
  }

  function writeLogs(run: StoredRun, logs: readonly LogInput[]): void {
    for (const log of logs) {
      logId += 1;
      run.logs.push({ ...copy(log), id: logId, runId: run.record.id });
    }
  }

  function writeEvents(run: StoredRun, events: readonly RunEvent[]): RunEventRecord[] {
    const base = run.events.length;
    const records = events.map((event, i) => ({
      runId: run.record.id,
      seq: base + i + 1,
      event: copy(event),
    }));
    run.events.push(...records);
    return copy(records);
  }

  function writeProgress(run: StoredRun, progress: RunProgress): RunEventRecord[] {
    for (const result of progress.nodeResults ?? []) writeNodeResult(run, result);
    writeLogs(run, progress.logs ?? []);
    return writeEvents(run, progress.events ?? []);
  }

  function holder(runId: string, workerId: string): StoredRun | undefined {
    const run = runs.get(runId);
    return run?.record.status === 'RUNNING' && run.leaseOwner === workerId ? run : undefined;
  }

  /** Node results keep their first insertion's place in the map: position + 1 is their number. */
  function nodeResultPage(
    run: StoredRun,
    after: number,
    limit: number | undefined,
  ): CursorPage<NodeResultRecord> {
    const rows = [...run.nodeResults.values()].map((record, i) => ({ record, n: i + 1 }));
    const rest = rows.slice(after);
    const page = cursorPageOf(rest, limit ?? rest.length, (row) => row.n);
    return { items: copy(page.items.map((row) => row.record)), next: page.next };
  }

  function logPage(
    run: StoredRun,
    after: number,
    limit: number | undefined,
  ): CursorPage<ExecutionLogRecord> {
    const rest = run.logs.filter((log) => log.id > after);
    const page = cursorPageOf(rest, limit ?? rest.length, (log) => log.id);
    return { items: copy(page.items), next: page.next };
  }

  const isActive = (run: StoredRun) =>
    (ACTIVE_RUN_STATUSES as readonly string[]).includes(run.record.status);

  /** Runs that a QUEUED or RUNNING run reuses the results of: retention keeps them. */
  function reusedByActive(): Set<string> {
    const ids = new Set<string>();
    for (const run of runs.values()) {
      if (isActive(run) && run.record.reuseRunId !== null) ids.add(run.record.reuseRunId);
    }
    return ids;
  }

  /** Deletes the run and what hangs off it; runs that reused it no longer name it. */
  function removeRun(runId: string): void {
    runs.delete(runId);
    for (const [k, entry] of idempotency) if (entry.runId === runId) idempotency.delete(k);
    for (const run of runs.values()) {
      if (run.record.reuseRunId === runId) run.record.reuseRunId = null;
    }
  }

  /**
   * Fair across owners, as every store claims: the owner with the fewest RUNNING runs goes
   * first (ties: whose run has waited longest), then that owner's oldest run.
   */
  function fairestQueued(all: StoredRun[], cap: number): StoredRun | undefined {
    const running = new Map<string, number>();
    for (const r of all) {
      if (r.record.status === 'RUNNING')
        running.set(r.record.ownerId, (running.get(r.record.ownerId) ?? 0) + 1);
    }
    let best: StoredRun | undefined;
    let bestRunning = Number.POSITIVE_INFINITY;
    for (const run of all) {
      if (run.record.status !== 'QUEUED') continue;
      const count = running.get(run.record.ownerId) ?? 0;
      if (count >= cap) continue;
      if (
        count < bestRunning ||
        (count === bestRunning && run.record.createdAt < best!.record.createdAt)
      ) {
        best = run;
        bestRunning = count;
      }
    }
    return best;
  }

  const files = createMemoryFiles({
    now,
    isReferenced(file, producedBy) {
      for (const runId of producedBy) if (runs.has(runId)) return true;
      for (const run of runs.values()) {
        if (run.record.ownerId !== file.ownerId) continue;
        // A run of a saved workflow refers to what any version of it named, as in SQL.
        const graphs = run.graph ? [run.graph] : (versions.get(run.record.workflowId ?? '') ?? []);
        if (graphs.some((graph) => fileIdsOf(graph).includes(file.id))) return true;
      }
      for (const workflow of workflows.values()) {
        if (workflow.deleted || workflow.ownerId !== file.ownerId) continue;
        const graphs = versions.get(workflow.id) ?? [];
        if (graphs.some((graph) => fileIdsOf(graph).includes(file.id))) return true;
      }
      return false;
    },
  });

  const store: GalaxyStore = {
    files,
    usage: { listUsage: usage.listUsage, usageTotals: usage.usageTotals },

    async ensureUser(userId) {
      const at = now();
      const user = users.get(userId) ?? { id: userId, createdAt: at, lastSeenAt: at };
      user.lastSeenAt = at;
      users.set(userId, user);
      return copy(user);
    },

    async createWorkflow(ownerId, content) {
      const at = now();
      const workflow: StoredWorkflow = {
        id: randomUUID(),
        ownerId,
        ...copy(content),
        version: 1,
        createdAt: at,
        updatedAt: at,
        deleted: false,
      };
      workflows.set(workflow.id, workflow);
      versions.set(workflow.id, [
        {
          workflowId: workflow.id,
          version: 1,
          ...copy(content),
          restoredFrom: null,
          createdAt: at,
        },
      ]);
      return publicWorkflow(workflow);
    },

    async getWorkflow(ownerId, workflowId) {
      const workflow = liveWorkflow(ownerId, workflowId);
      return workflow ? publicWorkflow(workflow) : undefined;
    },

    async listWorkflows(ownerId, query) {
      const matching = [...workflows.values()]
        .filter(
          (w) =>
            w.ownerId === ownerId &&
            !w.deleted &&
            (query.q === undefined || query.q === '' || matchesQuery(w, query.q)),
        )
        .sort(newestFirst);
      const page = slice(matching, query);
      return {
        ...page,
        items: page.items.map((w) => {
          const ofWorkflow = [...runs.values()]
            .filter((r) => r.record.workflowId === w.id)
            .sort((a, b) => newestFirst(a.record, b.record));
          const last = ofWorkflow[0];
          return {
            id: w.id,
            name: w.name,
            description: w.description,
            tags: [...w.tags],
            version: w.version,
            nodeCount: w.nodes.length,
            runCount: ofWorkflow.length,
            lastRunStatus: last ? last.record.status : null,
            lastRunAt: last ? last.record.createdAt : null,
            createdAt: w.createdAt,
            updatedAt: w.updatedAt,
          };
        }),
      };
    },

    async updateWorkflow(ownerId, workflowId, changes, expectedVersion) {
      const workflow = liveWorkflow(ownerId, workflowId);
      if (!workflow) return { ok: false, reason: 'not_found' };
      return save(workflow, changes, expectedVersion, null);
    },

    async deleteWorkflow(ownerId, workflowId) {
      const workflow = liveWorkflow(ownerId, workflowId);
      if (!workflow) return false;
      workflow.deleted = true;
      return true;
    },

    async listWorkflowVersions(ownerId, workflowId, query) {
      if (!liveWorkflow(ownerId, workflowId)) return undefined;
      const all = [...(versions.get(workflowId) ?? [])].reverse().map((v) => ({
        workflowId: v.workflowId,
        version: v.version,
        name: v.name,
        nodeCount: v.nodes.length,
        edgeCount: v.edges.length,
        restoredFrom: v.restoredFrom,
        createdAt: v.createdAt,
      }));
      return slice(all, query);
    },

    async getWorkflowVersion(ownerId, workflowId, version) {
      if (!liveWorkflow(ownerId, workflowId)) return undefined;
      const snapshot = versions.get(workflowId)?.find((v) => v.version === version);
      return snapshot ? copy(snapshot) : undefined;
    },

    async restoreWorkflowVersion(ownerId, workflowId, version, expectedVersion) {
      const workflow = liveWorkflow(ownerId, workflowId);
      if (!workflow) return { ok: false, reason: 'not_found' };
      const snapshot = versions.get(workflowId)?.find((v) => v.version === version);
      if (!snapshot) return { ok: false, reason: 'version_not_found' };
      const {
        workflowId: _,
        version: __,
        restoredFrom: ___,
        createdAt: ____,
        ...content
      } = snapshot;
      return save(workflow, content, expectedVersion ?? workflow.version, version);
    },

    async createRun(ownerId, input) {
      const ms = now();
      const key = input.idempotency ? `${ownerId}\u0000${input.idempotency.key}` : undefined;
      for (const [k, entry] of idempotency) if (entry.expiresAt <= ms) idempotency.delete(k);
      if (key !== undefined && input.idempotency) {
        const existing = idempotency.get(key);
        if (existing) {
          if (existing.requestHash !== input.idempotency.requestHash) {
            return { ok: false, reason: 'idempotency_conflict', runId: existing.runId };
          }
          const run = runs.get(existing.runId);
          if (run) return { ok: true, run: copy(run.record), replayed: true };
        }
      }
      const record: RunRecord = {
        id: randomUUID(),
        ownerId,
        workflowId: input.workflowId,
        workflowVersion: input.workflowVersion,
        status: 'QUEUED',
        scope: input.scope,
        targetNodeIds: input.targetNodeIds ? [...input.targetNodeIds] : null,
        reuseRunId: input.reuseRunId,
        counts: emptyCounts(),
        error: null,
        externalId: null,
        attempts: 0,
        interruptions: 0,
        createdAt: ms,
        startedAt: null,
        finishedAt: null,
        durationMs: null,
        cancelRequestedAt: null,
        usage: null,
      };
      runs.set(record.id, {
        record,
        graph: input.graph ? copy(input.graph) : null,
        traceparent: input.traceparent ?? null,
        inputs: input.inputs ? copy(input.inputs) : null,
        leaseOwner: null,
        leaseExpiresAt: null,
        nodeResults: new Map(),
        logs: [],
        events: [],
      });
      if (key !== undefined && input.idempotency) {
        idempotency.set(key, {
          requestHash: input.idempotency.requestHash,
          runId: record.id,
          expiresAt: ms + input.idempotency.ttlMs,
        });
      }
      return { ok: true, run: copy(record), replayed: false };
    },

    async getRun(ownerId, runId) {
      const run = ownRun(ownerId, runId);
      return run ? copy(run.record) : undefined;
    },

    async getRunDetail(ownerId, runId, query = {}) {
      const run = ownRun(ownerId, runId);
      if (!run) return undefined;
      const results = nodeResultPage(run, 0, query.limit);
      const logs = logPage(run, 0, query.limit);
      return {
        run: copy(run.record),
        graph: copy(runGraph(run)),
        nodeResults: results.items,
        logs: logs.items,
        nodeResultsNext: results.next,
        logsNext: logs.next,
      };
    },

    async listRunNodeResults(ownerId, runId, query) {
      const after = cursorAfter(query.after);
      const run = ownRun(ownerId, runId);
      return run ? nodeResultPage(run, after, query.limit) : undefined;
    },

    async listRunLogs(ownerId, runId, query) {
      const after = cursorAfter(query.after);
      const run = ownRun(ownerId, runId);
      return run ? logPage(run, after, query.limit) : undefined;
    },

    async deleteRun(ownerId, runId) {
      const run = ownRun(ownerId, runId);
      if (!run) return { ok: false, reason: 'not_found' };
      if (isActive(run)) return { ok: false, reason: 'active', run: copy(run.record) };
      removeRun(runId);
      return { ok: true };
    },

    async pruneRuns(input) {
      const byAge = input.olderThanMs !== undefined;
      const keep = input.keepPerWorkflow;
      if (!byAge && keep === undefined) return { deleted: 0 };
      const cutoff = (input.now ?? now()) - (input.olderThanMs ?? 0);
      const finished = [...runs.values()].filter((run) => !isActive(run)).map((r) => r.record);
      // Newest first per owner and workflow; an owner's unsaved-graph runs share one rank.
      const position = new Map<string, number>();
      const seen = new Map<string, number>();
      for (const record of [...finished].sort(newestFirst)) {
        const group = `${record.ownerId}\u0000${record.workflowId ?? ''}`;
        const n = (seen.get(group) ?? 0) + 1;
        seen.set(group, n);
        position.set(record.id, n);
      }
      const kept = reusedByActive();
      const past = finished
        .filter(
          (record) =>
            !kept.has(record.id) &&
            ((byAge && (record.finishedAt ?? record.createdAt) < cutoff) ||
              (keep !== undefined && (position.get(record.id) ?? 0) > keep)),
        )
        .sort(
          (a, b) =>
            (a.finishedAt ?? 0) - (b.finishedAt ?? 0) ||
            a.createdAt - b.createdAt ||
            (a.id < b.id ? -1 : 1),
        )
        .slice(0, input.limit ?? DEFAULT_PRUNE_LIMIT);
      for (const record of past) removeRun(record.id);
      return { deleted: past.length };
    },

    async listRuns(ownerId, query) {
      const matching = [...runs.values()]
        .filter(
          (r) =>
            r.record.ownerId === ownerId &&
            (query.status === undefined || r.record.status === query.status) &&
            (query.workflowId === undefined || r.record.workflowId === query.workflowId),
        )
        .map((r) => r.record)
        .sort(newestFirst);
      const page = slice(matching, query);
      return { ...page, items: page.items.map(copy) };
    },

    async requestCancel(ownerId, runId) {
      const run = ownRun(ownerId, runId);
      if (!run) return { ok: false, reason: 'not_found' };
      const ms = now();
      const record = run.record;
      if (record.status === 'QUEUED') {
        // A run handed back after a graceful stop has results; its open ones end here.
        const startedMs = record.startedAt;
        const error = queuedCancelError(startedMs !== null);
        const { closed, counts } = closeOpenResults(
          [...run.nodeResults.values()],
          'CANCELED',
          error,
          ms,
        );
        const durationMs = startedMs === null ? null : Math.max(0, ms - startedMs);
        Object.assign(record, {
          status: 'CANCELED',
          cancelRequestedAt: ms,
          finishedAt: ms,
          error,
          counts,
          durationMs,
        });
        for (const result of closed) writeNodeResult(run, result);
        writeEvents(run, [
          {
            type: 'run:finish',
            runId,
            at: ms,
            status: 'CANCELED',
            durationMs: durationMs ?? 0,
            error,
          },
        ]);
        return { ok: true, run: copy(record) };
      }
      if (record.status === 'RUNNING') {
        record.cancelRequestedAt ??= ms;
        return { ok: true, run: copy(record) };
      }
      if (record.status === 'CANCELED') return { ok: true, run: copy(record) };
      return { ok: false, reason: 'finished', run: copy(record) };
    },

    async getIdempotencyKey(ownerId, key) {
      const entry = idempotency.get(`${ownerId}\u0000${key}`);
      if (!entry || entry.expiresAt <= now()) return undefined;
      return { requestHash: entry.requestHash, runId: entry.runId };
    },

    async abandonRun(runId, error) {
      const run = runs.get(runId);
      if (run?.record.status !== 'QUEUED') return false;
      const ms = now();
      Object.assign(run.record, { status: 'FAILED', finishedAt: ms, error: copy(error) });
      for (const [k, entry] of idempotency) if (entry.runId === runId) idempotency.delete(k);
      writeEvents(run, [
        { type: 'run:finish', runId, at: ms, status: 'FAILED', durationMs: 0, error },
      ]);
      return true;
    },

    async setRunExternalId(runId, externalId) {
      const run = runs.get(runId);
      if (run) run.record.externalId = externalId;
    },

    async claimRun(options) {
      const at = now();
      const claimable = (r: StoredRun) =>
        r.record.status === 'QUEUED' ||
        (r.record.status === 'RUNNING' && r.leaseExpiresAt !== null && r.leaseExpiresAt < at);
      let run: StoredRun | undefined;
      if (options.runId !== undefined) {
        run = runs.get(options.runId);
      } else {
        const all = [...runs.values()];
        run =
          all
            .filter((r) => r.record.status === 'RUNNING' && claimable(r))
            .sort((a, b) => (a.leaseExpiresAt ?? 0) - (b.leaseExpiresAt ?? 0))[0] ??
          fairestQueued(all, options.maxRunningPerOwner ?? Number.POSITIVE_INFINITY);
      }
      if (!run || !claimable(run)) return undefined;
      const expiresAt = at + options.leaseMs;
      if (run.record.status === 'RUNNING') run.record.interruptions += 1;
      run.leaseOwner = options.workerId;
      run.leaseExpiresAt = expiresAt;
      run.record.status = 'RUNNING';
      run.record.attempts += 1;
      run.record.startedAt ??= at;
      const claimed: ClaimedRun = {
        run: copy(run.record),
        graph: copy(runGraph(run)),
        traceparent: run.traceparent,
        inputs: run.inputs ? copy(run.inputs) : null,
        leaseOwner: options.workerId,
        leaseExpiresAt: expiresAt,
      };
      return claimed;
    },

    async renewLease(runId, workerId, leaseMs) {
      const run = runs.get(runId);
      if (run?.record.status !== 'RUNNING' || run.leaseOwner !== workerId) return false;
      run.leaseExpiresAt = now() + leaseMs;
      return true;
    },

    async releaseRun(runId, workerId) {
      const run = holder(runId, workerId);
      if (!run) return false;
      run.record.status = 'QUEUED';
      run.leaseOwner = null;
      run.leaseExpiresAt = null;
      return true;
    },

    async getRunById(runId) {
      const run = runs.get(runId);
      return run ? copy(run.record) : undefined;
    },

    async countQueuedRuns() {
      let queued = 0;
      for (const run of runs.values()) if (run.record.status === 'QUEUED') queued += 1;
      return queued;
    },

    async recordRunProgress(runId, workerId, progress) {
      const run = holder(runId, workerId);
      return run ? writeProgress(run, progress) : undefined;
    },

    async recordNodeResult(runId, result) {
      const run = runs.get(runId);
      if (!run) throw runMissing(runId);
      writeNodeResult(run, result);
    },

    async appendLogs(runId, logs) {
      const run = runs.get(runId);
      if (!run) throw runMissing(runId);
      writeLogs(run, logs);
    },

    async appendRunEvents(runId, events) {
      const run = runs.get(runId);
      if (!run) throw runMissing(runId);
      return writeEvents(run, events);
    },

    async listRunEvents(runId, afterSeq, limit) {
      const events = runs.get(runId)?.events.filter((e) => e.seq > afterSeq) ?? [];
      return copy(limit === undefined || limit < 0 ? events : events.slice(0, limit));
    },

    async finishRun(runId, workerId, input) {
      const run = holder(runId, workerId);
      if (!run) return false;
      Object.assign(run.record, {
        status: input.status,
        error: copy(input.error),
        counts: copy(input.counts),
        durationMs: input.durationMs,
        finishedAt: now(),
        usage: input.usage ? copy(input.usage) : null,
      });
      run.leaseOwner = null;
      run.leaseExpiresAt = null;
      if (input.progress) writeProgress(run, input.progress);
      return true;
    },

    async ping() {
      if (closed) throw hostError('E_STORE_CLOSED');
    },

    async checkWritable() {
      if (closed) throw hostError('E_STORE_CLOSED');
    },

    async close() {
      closed = true;
    },
  };
  return store;
}
