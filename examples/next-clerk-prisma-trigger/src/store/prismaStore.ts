import { randomUUID } from 'node:crypto';
import type { ErrorInfo, JsonValue, RunEvent } from '@galaxyflow/engine';
import type {
  ClaimedRun,
  ExecutionLogRecord,
  GalaxyStore,
  LogInput,
  NodeResultInput,
  NodeResultRecord,
  Page,
  RunCounts,
  RunEventRecord,
  RunRecord,
  SaveResult,
  WorkflowContent,
  WorkflowGraph,
  WorkflowRecord,
  WorkflowSummary,
  WorkflowVersionRecord,
} from '@galaxyflow/server-adapter';
import {
  ACTIVE_RUN_STATUSES,
  cursorAfter,
  cursorPageOf,
  DEFAULT_PRUNE_LIMIT,
  queuedCancelError,
} from '@galaxyflow/server-adapter';
import type {
  ExecutionLog as LogRow,
  NodeResult as NodeResultRow,
  Prisma,
  PrismaClient,
  WorkflowRun as RunRow,
  WorkflowVersion as VersionRow,
  Workflow as WorkflowRow,
} from '../generated/sqlite/client.ts';

/**
 * The Prisma client the store drives. Both generated clients (Postgres and SQLite) come from
 * the same models, so they expose the same delegates; the store is typed against the SQLite one
 * because SQLite's feature set is the subset both databases share.
 */
export type GalaxyPrismaClient = PrismaClient;

/** Which database the client talks to. */
export type PrismaDialect = 'sqlite' | 'postgresql';

export interface PrismaStoreOptions {
  /** A connected client from `src/generated/sqlite` or `src/generated/postgres`. Required. */
  prisma: GalaxyPrismaClient;
  /**
   * The client's database. Required. With `'sqlite'` every operation runs in a transaction:
   * the SQLite driver adapter has one connection, and a statement sent outside a transaction
   * would otherwise run inside (and roll back with) another caller's open transaction.
   */
  dialect: PrismaDialect;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** How long an operation waits for, and may hold, a transaction, in ms. Default 10,000. */
  transactionTimeoutMs?: number;
}

type Db = Prisma.TransactionClient;
/** What a worker records while a run goes on (`recordRunProgress`, `finishRun`). */
type RunProgress = Parameters<GalaxyStore['recordRunProgress']>[2];

/** Separates the fields of the search column; no one types it into a search box. */
const SEARCH_SEPARATOR = '\u001f';
/** Attempts of an operation that lost a unique-key race to a concurrent writer (Postgres). */
const CONFLICT_ATTEMPTS = 3;
/** Runs whose node types the store keeps in memory; a run being executed stays among them. */
const NODE_TYPE_CACHE_RUNS = 256;

function countStatus(counts: RunCounts, status: NodeResultRecord['status']): void {
  counts.total += 1;
  if (status === 'SUCCESS') counts.success += 1;
  else if (status === 'FAILED') counts.failed += 1;
  else if (status === 'SKIPPED') counts.skipped += 1;
  else counts.canceled += 1;
}

/*
 * The store's one conversion between Prisma's rows and the records (`@galaxyflow/server-adapter`'s
 * record schemas), here and in the column writers below: a DateTime column holds a `Date`, a
 * record epoch ms; a nullable column holds null for an empty value, which a run-level record
 * field keeps as `null`, while the engine-shaped records (node results, log lines, a graph's
 * settings) leave it absent, as the engine does. JSON travels in text columns.
 */
const json = (value: unknown): string => JSON.stringify(value);
const jsonOrNull = (value: unknown): string | null => (value === undefined ? null : json(value));
const parse = <T>(text: string): T => JSON.parse(text) as T;
const parseOrNull = <T>(text: string | null): T | null => (text === null ? null : parse<T>(text));
const ms = (date: Date): number => date.getTime();
const msOrNull = (date: Date | null): number | null => (date === null ? null : ms(date));
const dateOrNull = (value: number | undefined): Date | null =>
  value === undefined ? null : new Date(value);

/** Sets `key` when the column is not null, so an empty column leaves the field absent. */
function setIfPresent<T, K extends keyof T>(target: T, key: K, value: T[K] | null): void {
  if (value !== null && value !== undefined) target[key] = value;
}

/**
 * A graph column. Graphs saved when "no settings" was written as null hold
 * `"settings": null`; it reads as absent.
 */
function parseGraph(text: string): WorkflowGraph {
  const { settings, ...graph } = parse<WorkflowGraph & { settings?: unknown }>(text);
  return settings === null || settings === undefined
    ? graph
    : { ...graph, settings: settings as WorkflowGraph['settings'] };
}

const emptyCounts = (): RunCounts => ({ total: 0, success: 0, failed: 0, skipped: 0, canceled: 0 });

/** The graph alone; `settings` stays absent when the workflow has none. */
function graphOf(content: WorkflowGraph): WorkflowGraph {
  const graph: WorkflowGraph = { nodes: content.nodes, edges: content.edges };
  if (content.settings !== undefined) graph.settings = content.settings;
  return graph;
}

function mergeContent(
  current: WorkflowContent,
  changes: Partial<WorkflowContent>,
): WorkflowContent {
  const settings = changes.settings ?? current.settings;
  return {
    name: changes.name ?? current.name,
    description: changes.description ?? current.description,
    tags: changes.tags ?? current.tags,
    nodes: changes.nodes ?? current.nodes,
    edges: changes.edges ?? current.edges,
    ...(settings === undefined ? {} : { settings }),
  };
}

/** The text `?q=` matches: case-insensitive on both databases without dialect-specific SQL. */
function searchText(content: WorkflowContent): string {
  return [content.name, content.description, ...content.tags]
    .map((field) => field.toLowerCase())
    .join(SEARCH_SEPARATOR);
}

function contentColumns(content: WorkflowContent) {
  return {
    name: content.name,
    description: content.description,
    tags: json(content.tags),
    graph: json(graphOf(content)),
    nodeCount: content.nodes.length,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002'
  );
}

function toWorkflow(row: WorkflowRow): WorkflowRecord {
  return {
    id: row.id,
    ownerId: row.ownerId,
    name: row.name,
    description: row.description,
    tags: parse<string[]>(row.tags),
    ...parseGraph(row.graph),
    version: row.version,
    createdAt: ms(row.createdAt),
    updatedAt: ms(row.updatedAt),
  };
}

function toVersion(row: VersionRow): WorkflowVersionRecord {
  return {
    workflowId: row.workflowId,
    version: row.version,
    name: row.name,
    description: row.description,
    tags: parse<string[]>(row.tags),
    ...parseGraph(row.graph),
    restoredFrom: row.restoredFrom,
    createdAt: ms(row.createdAt),
  };
}

function toRun(row: Omit<RunRow, 'graph'>): RunRecord {
  return {
    id: row.id,
    ownerId: row.ownerId,
    workflowId: row.workflowId,
    workflowVersion: row.workflowVersion,
    status: row.status as RunRecord['status'],
    scope: row.scope as RunRecord['scope'],
    targetNodeIds: parseOrNull<string[]>(row.targetNodeIds),
    reuseRunId: row.reuseRunId,
    counts: parse<RunCounts>(row.counts),
    error: parseOrNull<ErrorInfo>(row.error),
    externalId: row.externalId,
    attempts: row.attempts,
    interruptions: row.interruptions,
    createdAt: ms(row.createdAt),
    startedAt: msOrNull(row.startedAt),
    finishedAt: msOrNull(row.finishedAt),
    durationMs: row.durationMs,
    cancelRequestedAt: msOrNull(row.cancelRequestedAt),
    // This store keeps no token ledger (`store.usage`): runs carry no usage sum.
    usage: null,
  };
}

function toNodeResult(row: NodeResultRow): NodeResultRecord {
  const record: NodeResultRecord = {
    runId: row.runId,
    nodeId: row.nodeId,
    status: row.status as NodeResultRecord['status'],
    attempts: row.attempts,
  };
  setIfPresent(record, 'input', parseOrNull<NodeResultRecord['input']>(row.input));
  setIfPresent(record, 'output', parseOrNull<NodeResultRecord['output']>(row.output));
  setIfPresent(record, 'error', parseOrNull<ErrorInfo>(row.error));
  setIfPresent(record, 'startedAt', msOrNull(row.startedAt));
  setIfPresent(record, 'finishedAt', msOrNull(row.finishedAt));
  setIfPresent(record, 'durationMs', row.durationMs);
  setIfPresent(record, 'skippedBecause', row.skippedBecause);
  if (row.reused) record.reused = true;
  setIfPresent(record, 'hash', row.hash);
  setIfPresent(record, 'meta', parseOrNull<NodeResultRecord['meta']>(row.meta));
  return record;
}

function toLog(row: LogRow): ExecutionLogRecord {
  const record: ExecutionLogRecord = {
    id: row.id,
    runId: row.runId,
    at: ms(row.at),
    level: row.level as ExecutionLogRecord['level'],
    message: row.message,
  };
  setIfPresent(record, 'nodeId', row.nodeId);
  // The column keeps its first name, `metadata`; the record calls it `data`, as the engine does.
  setIfPresent(record, 'data', parseOrNull<ExecutionLogRecord['data']>(row.metadata));
  return record;
}

function page<T>(items: T[], total: number, query: { page: number; limit: number }): Page<T> {
  return { items, page: query.page, limit: query.limit, total };
}

/** Lists never carry the run's graph, which can be large. */
const WITHOUT_GRAPH = { graph: true } as const;
/** Runs that may still change: never deleted. */
const ACTIVE = [...ACTIVE_RUN_STATUSES];
const NEWEST_FIRST = [
  { createdAt: 'desc' },
  { id: 'desc' },
] as const satisfies Prisma.WorkflowRunOrderByWithRelationInput[];

/**
 * `GalaxyStore` over Prisma: Postgres in production, SQLite locally. Keeps the semantics of the
 * embedded SQLite store to the letter (the shared contract suite checks both): owner scoping,
 * guarded saves with snapshots, idempotent run creation, one lease holder per run.
 *
 * Concurrency on Postgres (READ COMMITTED) rests on conditional updates (`updateMany` whose
 * WHERE carries the expected version, status or lease owner), which the database re-checks
 * under the row lock, and on unique keys, whose violations are retried.
 */
export function createPrismaStore(options: PrismaStoreOptions): GalaxyStore {
  const { prisma, dialect } = options;
  const now = options.now ?? Date.now;
  const timeout = options.transactionTimeoutMs ?? 10_000;

  function transaction<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return prisma.$transaction(fn, { maxWait: timeout, timeout });
  }

  /** A single statement, or reads that need no snapshot on Postgres. */
  function access<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return dialect === 'sqlite' ? transaction(fn) : fn(prisma);
  }

  async function retryingConflicts<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (attempt >= CONFLICT_ATTEMPTS || !isUniqueViolation(error)) throw error;
      }
    }
  }

  const nodeTypesByRun = new Map<string, Map<string, string>>();

  function findLiveWorkflow(db: Db, ownerId: string, workflowId: string) {
    return db.workflow.findFirst({ where: { id: workflowId, ownerId, deletedAt: null } });
  }

  async function graphOfRun(db: Db, row: RunRow): Promise<WorkflowGraph> {
    if (row.graph !== null) return parseGraph(row.graph);
    if (row.workflowId === null || row.workflowVersion === null) {
      throw new Error(`Run ${row.id} has neither a graph nor a workflow version.`);
    }
    const version = await db.workflowVersion.findUniqueOrThrow({
      where: { workflowId_version: { workflowId: row.workflowId, version: row.workflowVersion } },
    });
    return graphOf(toVersion(version));
  }

  /** Up to `limit` rows after row `after` (all when undefined); one more tells whether there are more. */
  async function nodeResultPage(db: Db, runId: string, after: number, limit?: number) {
    const rows = await db.nodeResult.findMany({
      where: { runId, seq: { gt: after } },
      orderBy: { seq: 'asc' },
      ...(limit === undefined ? {} : { take: limit + 1 }),
    });
    const page = cursorPageOf(rows, limit ?? rows.length, (row) => row.seq);
    return { items: page.items.map(toNodeResult), next: page.next };
  }

  async function logPage(db: Db, runId: string, after: number, limit?: number) {
    const rows = await db.executionLog.findMany({
      where: { runId, id: { gt: after } },
      orderBy: { id: 'asc' },
      ...(limit === undefined ? {} : { take: limit + 1 }),
    });
    const page = cursorPageOf(rows, limit ?? rows.length, (row) => row.id);
    return { items: page.items.map(toLog), next: page.next };
  }

  /** The finished runs past the policy, oldest first, at most `limit`. */
  async function runsToPrune(
    db: Db,
    input: Parameters<GalaxyStore['pruneRuns']>[0],
    limit: number,
  ): Promise<string[]> {
    const finished = { status: { notIn: ACTIVE } };
    const select = { id: true, finishedAt: true, createdAt: true } as const;
    const candidates = new Map<string, { id: string; finishedAt: Date | null; createdAt: Date }>();
    if (input.olderThanMs !== undefined) {
      const cutoff = new Date((input.now ?? now()) - input.olderThanMs);
      const old = await db.workflowRun.findMany({
        where: { ...finished, finishedAt: { lt: cutoff } },
        orderBy: [{ finishedAt: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
        take: limit,
        select,
      });
      for (const row of old) candidates.set(row.id, row);
    }
    const keep = input.keepPerWorkflow;
    if (keep !== undefined) {
      // Ranked newest first per owner and workflow; an owner's unsaved-graph runs share one rank.
      const groups = await db.workflowRun.groupBy({
        by: ['ownerId', 'workflowId'],
        where: finished,
        _count: { _all: true },
      });
      for (const group of groups.filter((g) => g._count._all > keep)) {
        const beyond = await db.workflowRun.findMany({
          where: { ...finished, ownerId: group.ownerId, workflowId: group.workflowId },
          orderBy: NEWEST_FIRST,
          skip: keep,
          select,
        });
        for (const row of beyond) candidates.set(row.id, row);
      }
    }
    if (candidates.size === 0) return [];
    // A run that a waiting or running run will read its reusable results from stays.
    const reused = await db.workflowRun.findMany({
      where: { status: { in: ACTIVE }, reuseRunId: { in: [...candidates.keys()] } },
      select: { reuseRunId: true },
    });
    for (const row of reused) if (row.reuseRunId !== null) candidates.delete(row.reuseRunId);
    const endedAt = (row: { finishedAt: Date | null; createdAt: Date }) =>
      ms(row.finishedAt ?? row.createdAt);
    return [...candidates.values()]
      .sort(
        (a, b) =>
          endedAt(a) - endedAt(b) ||
          ms(a.createdAt) - ms(b.createdAt) ||
          (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      )
      .slice(0, limit)
      .map((row) => row.id);
  }

  async function writeVersion(
    db: Db,
    workflowId: string,
    version: number,
    content: WorkflowContent,
    restoredFrom: number | null,
    at: Date,
  ): Promise<void> {
    await db.workflowVersion.create({
      data: {
        workflowId,
        version,
        ...contentColumns(content),
        edgeCount: content.edges.length,
        restoredFrom,
        createdAt: at,
      },
    });
  }

  async function saveGuarded(
    db: Db,
    ownerId: string,
    workflowId: string,
    changes: Partial<WorkflowContent>,
    expectedVersion: number,
    restoredFrom: number | null,
  ): Promise<SaveResult> {
    const row = await findLiveWorkflow(db, ownerId, workflowId);
    if (!row) return { ok: false, reason: 'not_found' };
    if (row.version !== expectedVersion) {
      return { ok: false, reason: 'version_conflict', currentVersion: row.version };
    }
    const content = mergeContent(toWorkflow(row), changes);
    const at = new Date(now());
    const { count } = await db.workflow.updateMany({
      where: { id: workflowId, ownerId, deletedAt: null, version: expectedVersion },
      data: {
        ...contentColumns(content),
        search: searchText(content),
        version: { increment: 1 },
        updatedAt: at,
      },
    });
    if (count === 0) {
      // Another save committed between the read and the write.
      const current = await findLiveWorkflow(db, ownerId, workflowId);
      return current
        ? { ok: false, reason: 'version_conflict', currentVersion: current.version }
        : { ok: false, reason: 'not_found' };
    }
    await writeVersion(db, workflowId, expectedVersion + 1, content, restoredFrom, at);
    const updated = await db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
    return { ok: true, workflow: toWorkflow(updated) };
  }

  /** The run to claim when none is named: an expired lease first, else the oldest QUEUED run. */
  async function claimCandidate(
    db: Db,
    at: Date,
    passOver: readonly string[],
  ): Promise<{ id: string; ownerId: string; expired: boolean } | undefined> {
    const expired = await db.workflowRun.findFirst({
      where: { status: 'RUNNING', leaseExpiresAt: { lt: at } },
      orderBy: [{ leaseExpiresAt: 'asc' }, { id: 'asc' }],
      select: { id: true, ownerId: true },
    });
    if (expired) return { ...expired, expired: true };
    // Fair across owners, as every store claims: the owner with the fewest RUNNING runs goes
    // first (ties: whose run has waited longest), then that owner's oldest run.
    const waiting = await db.workflowRun.groupBy({
      by: ['ownerId'],
      where: {
        status: 'QUEUED',
        ...(passOver.length > 0 ? { ownerId: { notIn: [...passOver] } } : {}),
      },
      _min: { createdAt: true },
    });
    if (waiting.length === 0) return undefined;
    const running = await db.workflowRun.groupBy({
      by: ['ownerId'],
      where: { status: 'RUNNING', ownerId: { in: waiting.map((w) => w.ownerId) } },
      _count: { _all: true },
    });
    const runningOf = new Map(running.map((r) => [r.ownerId, r._count._all]));
    const [owner] = waiting
      .map((w) => ({
        ownerId: w.ownerId,
        running: runningOf.get(w.ownerId) ?? 0,
        oldest: w._min.createdAt?.getTime() ?? 0,
      }))
      .sort(
        (a, b) => a.running - b.running || a.oldest - b.oldest || (a.ownerId < b.ownerId ? -1 : 1),
      );
    const queued = await db.workflowRun.findFirst({
      where: { status: 'QUEUED', ownerId: owner!.ownerId },
      orderBy: [
        { leaseExpiresAt: { sort: 'asc', nulls: 'first' } },
        { createdAt: 'asc' },
        { id: 'asc' },
      ],
      select: { id: true, ownerId: true },
    });
    return queued ? { ...queued, expired: false } : undefined;
  }

  /**
   * Whether the owner is below the cap, counted after locking the owner's row: two workers
   * claiming for one owner at once take turns, so the second sees the first one's claim.
   */
  async function underCap(db: Db, ownerId: string, cap: number): Promise<boolean> {
    await db.user.updateMany({ where: { id: ownerId }, data: { id: ownerId } });
    const running = await db.workflowRun.count({ where: { ownerId, status: 'RUNNING' } });
    return running < cap;
  }

  /**
   * True when `workerId` holds the run's lease, and keeps the run row locked until the
   * transaction ends, so no claim can take the run over between this check and the writes.
   */
  async function holdLease(db: Db, runId: string, workerId: string): Promise<boolean> {
    const { count } = await db.workflowRun.updateMany({
      where: { id: runId, status: 'RUNNING', leaseOwner: workerId },
      data: { leaseOwner: workerId },
    });
    return count === 1;
  }

  function nodeResultColumns(result: NodeResultInput) {
    return {
      status: result.status,
      input: jsonOrNull(result.input),
      output: jsonOrNull(result.output),
      error: jsonOrNull(result.error),
      attempts: result.attempts,
      startedAt: dateOrNull(result.startedAt),
      finishedAt: dateOrNull(result.finishedAt),
      durationMs: result.durationMs ?? null,
      reused: result.reused ?? false,
      hash: result.hash ?? null,
      skippedBecause: result.skippedBecause ?? null,
      // Written on every upsert, null too: a result written again without meta drops the old one.
      meta: jsonOrNull(result.meta),
    };
  }

  /**
   * The type of a node in a run's graph, for the `nodeType` column: engine results name only the
   * node. A run's graph never changes, so each run's types are read once and kept (a bounded cache).
   */
  async function nodeTypeOf(db: Db, runId: string, nodeId: string): Promise<string | null> {
    let types = nodeTypesByRun.get(runId);
    if (!types) {
      const row = await db.workflowRun.findUnique({ where: { id: runId } });
      if (!row) return null;
      const graph = await graphOfRun(db, row);
      types = new Map(graph.nodes.map((node) => [node.id, node.type]));
      if (nodeTypesByRun.size >= NODE_TYPE_CACHE_RUNS) {
        const oldest = nodeTypesByRun.keys().next().value;
        if (oldest !== undefined) nodeTypesByRun.delete(oldest);
      }
      nodeTypesByRun.set(runId, types);
    }
    return types.get(nodeId) ?? null;
  }

  async function writeNodeResult(db: Db, runId: string, result: NodeResultInput): Promise<void> {
    const columns = nodeResultColumns(result);
    const nodeType = await nodeTypeOf(db, runId, result.nodeId);
    // The row keeps the `seq` of its first write, so results list in start order.
    await db.nodeResult.upsert({
      where: { runId_nodeId: { runId, nodeId: result.nodeId } },
      create: { runId, nodeId: result.nodeId, nodeType, ...columns },
      update: columns,
    });
  }

  async function writeLogs(db: Db, runId: string, logs: readonly LogInput[]): Promise<void> {
    if (logs.length === 0) return;
    await db.executionLog.createMany({
      data: logs.map((log) => ({
        runId,
        nodeId: log.nodeId ?? null,
        level: log.level,
        message: log.message,
        metadata: jsonOrNull(log.data),
        at: new Date(log.at),
      })),
    });
  }

  async function writeEvents(
    db: Db,
    runId: string,
    events: readonly RunEvent[],
  ): Promise<RunEventRecord[]> {
    if (events.length === 0) return [];
    const last = await db.runEvent.aggregate({ where: { runId }, _max: { seq: true } });
    const first = (last._max.seq ?? 0) + 1;
    const records = events.map((event, index) => ({ runId, seq: first + index, event }));
    await db.runEvent.createMany({
      data: records.map((record) => ({ runId, seq: record.seq, payload: json(record.event) })),
    });
    return records;
  }

  async function writeProgress(
    db: Db,
    runId: string,
    progress: RunProgress,
  ): Promise<RunEventRecord[]> {
    for (const result of progress.nodeResults ?? []) await writeNodeResult(db, runId, result);
    await writeLogs(db, runId, progress.logs ?? []);
    return writeEvents(db, runId, progress.events ?? []);
  }

  const store: GalaxyStore = {
    async ensureUser(userId) {
      const at = new Date(now());
      const row = await retryingConflicts(() =>
        access((db) =>
          db.user.upsert({
            where: { id: userId },
            create: { id: userId, createdAt: at, lastSeenAt: at },
            update: { lastSeenAt: at },
          }),
        ),
      );
      return { id: row.id, createdAt: ms(row.createdAt), lastSeenAt: ms(row.lastSeenAt) };
    },

    async createWorkflow(ownerId, content) {
      const id = randomUUID();
      const at = new Date(now());
      const row = await transaction(async (db) => {
        const created = await db.workflow.create({
          data: {
            id,
            ownerId,
            ...contentColumns(content),
            search: searchText(content),
            version: 1,
            createdAt: at,
            updatedAt: at,
          },
        });
        await writeVersion(db, id, 1, content, null, at);
        return created;
      });
      return toWorkflow(row);
    },

    async getWorkflow(ownerId, workflowId) {
      const row = await access((db) => findLiveWorkflow(db, ownerId, workflowId));
      return row ? toWorkflow(row) : undefined;
    },

    async listWorkflows(ownerId, query) {
      const where: Prisma.WorkflowWhereInput = { ownerId, deletedAt: null };
      if (query.q !== undefined && query.q !== '') {
        where.search = { contains: query.q.toLowerCase() };
      }
      const [total, rows] = await access((db) =>
        Promise.all([
          db.workflow.count({ where }),
          db.workflow.findMany({
            where,
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
            skip: (query.page - 1) * query.limit,
            take: query.limit,
            select: {
              id: true,
              name: true,
              description: true,
              tags: true,
              version: true,
              nodeCount: true,
              createdAt: true,
              updatedAt: true,
              _count: { select: { runs: true } },
              runs: {
                orderBy: NEWEST_FIRST,
                take: 1,
                select: { status: true, createdAt: true },
              },
            },
          }),
        ]),
      );
      const items = rows.map((row): WorkflowSummary => {
        const last = row.runs[0];
        return {
          id: row.id,
          name: row.name,
          description: row.description,
          tags: parse<string[]>(row.tags),
          version: row.version,
          nodeCount: row.nodeCount,
          runCount: row._count.runs,
          lastRunStatus: (last?.status as WorkflowSummary['lastRunStatus'] | undefined) ?? null,
          lastRunAt: last ? ms(last.createdAt) : null,
          createdAt: ms(row.createdAt),
          updatedAt: ms(row.updatedAt),
        };
      });
      return page(items, total, query);
    },

    async updateWorkflow(ownerId, workflowId, changes, expectedVersion) {
      return transaction((db) =>
        saveGuarded(db, ownerId, workflowId, changes, expectedVersion, null),
      );
    },

    async deleteWorkflow(ownerId, workflowId) {
      const { count } = await access((db) =>
        db.workflow.updateMany({
          where: { id: workflowId, ownerId, deletedAt: null },
          data: { deletedAt: new Date(now()) },
        }),
      );
      return count === 1;
    },

    async listWorkflowVersions(ownerId, workflowId, query) {
      return access(async (db) => {
        if (!(await findLiveWorkflow(db, ownerId, workflowId))) return undefined;
        const [total, rows] = await Promise.all([
          db.workflowVersion.count({ where: { workflowId } }),
          db.workflowVersion.findMany({
            where: { workflowId },
            orderBy: { version: 'desc' },
            skip: (query.page - 1) * query.limit,
            take: query.limit,
            select: {
              workflowId: true,
              version: true,
              name: true,
              nodeCount: true,
              edgeCount: true,
              restoredFrom: true,
              createdAt: true,
            },
          }),
        ]);
        return page(
          rows.map((row) => ({ ...row, createdAt: ms(row.createdAt) })),
          total,
          query,
        );
      });
    },

    async getWorkflowVersion(ownerId, workflowId, version) {
      return access(async (db) => {
        if (!(await findLiveWorkflow(db, ownerId, workflowId))) return undefined;
        const row = await db.workflowVersion.findUnique({
          where: { workflowId_version: { workflowId, version } },
        });
        return row ? toVersion(row) : undefined;
      });
    },

    async restoreWorkflowVersion(ownerId, workflowId, version, expectedVersion) {
      return transaction(async (db) => {
        const row = await findLiveWorkflow(db, ownerId, workflowId);
        if (!row) return { ok: false as const, reason: 'not_found' as const };
        const snapshot = await db.workflowVersion.findUnique({
          where: { workflowId_version: { workflowId, version } },
        });
        if (!snapshot) return { ok: false as const, reason: 'version_not_found' as const };
        const { name, description, tags, nodes, edges, settings } = toVersion(snapshot);
        return saveGuarded(
          db,
          ownerId,
          workflowId,
          { name, description, tags, nodes, edges, settings },
          expectedVersion ?? row.version,
          version,
        );
      });
    },

    async createRun(ownerId, input) {
      // Two first requests with one key race to insert it; the loser replays the winner's run.
      return retryingConflicts(() =>
        transaction(async (db) => {
          const at = new Date(now());
          const { idempotency } = input;
          if (idempotency) {
            await db.idempotencyKey.deleteMany({ where: { expiresAt: { lte: at } } });
            const existing = await db.idempotencyKey.findUnique({
              where: { ownerId_key: { ownerId, key: idempotency.key } },
            });
            if (existing) {
              if (existing.requestHash !== idempotency.requestHash) {
                return {
                  ok: false as const,
                  reason: 'idempotency_conflict' as const,
                  runId: existing.runId,
                };
              }
              const run = await db.workflowRun.findUniqueOrThrow({
                where: { id: existing.runId },
                omit: WITHOUT_GRAPH,
              });
              return { ok: true as const, run: toRun(run), replayed: true };
            }
          }
          const run = await db.workflowRun.create({
            data: {
              id: randomUUID(),
              ownerId,
              workflowId: input.workflowId,
              workflowVersion: input.workflowVersion,
              graph: input.graph === null ? null : json(input.graph),
              status: 'QUEUED',
              scope: input.scope,
              targetNodeIds: input.targetNodeIds === null ? null : json(input.targetNodeIds),
              reuseRunId: input.reuseRunId,
              counts: json(emptyCounts()),
              createdAt: at,
              traceparent: input.traceparent ?? null,
              inputs: input.inputs ? JSON.stringify(input.inputs) : null,
            },
            omit: WITHOUT_GRAPH,
          });
          if (idempotency) {
            await db.idempotencyKey.create({
              data: {
                ownerId,
                key: idempotency.key,
                requestHash: idempotency.requestHash,
                runId: run.id,
                expiresAt: new Date(at.getTime() + idempotency.ttlMs),
              },
            });
          }
          return { ok: true as const, run: toRun(run), replayed: false };
        }),
      );
    },

    async getRun(ownerId, runId) {
      const row = await access((db) =>
        db.workflowRun.findFirst({ where: { id: runId, ownerId }, omit: WITHOUT_GRAPH }),
      );
      return row ? toRun(row) : undefined;
    },

    async getRunDetail(ownerId, runId, query = {}) {
      return access(async (db) => {
        const row = await db.workflowRun.findFirst({ where: { id: runId, ownerId } });
        if (!row) return undefined;
        const [graph, results, logs] = await Promise.all([
          graphOfRun(db, row),
          nodeResultPage(db, runId, 0, query.limit),
          logPage(db, runId, 0, query.limit),
        ]);
        return {
          run: toRun(row),
          graph,
          nodeResults: results.items,
          logs: logs.items,
          nodeResultsNext: results.next,
          logsNext: logs.next,
        };
      });
    },

    async listRunNodeResults(ownerId, runId, query) {
      const after = cursorAfter(query.after);
      return access(async (db) => {
        const run = await db.workflowRun.findFirst({
          where: { id: runId, ownerId },
          select: { id: true },
        });
        return run ? nodeResultPage(db, runId, after, query.limit) : undefined;
      });
    },

    async listRunLogs(ownerId, runId, query) {
      const after = cursorAfter(query.after);
      return access(async (db) => {
        const run = await db.workflowRun.findFirst({
          where: { id: runId, ownerId },
          select: { id: true },
        });
        return run ? logPage(db, runId, after, query.limit) : undefined;
      });
    },

    async deleteRun(ownerId, runId) {
      return transaction(async (db) => {
        const row = await db.workflowRun.findFirst({
          where: { id: runId, ownerId },
          omit: WITHOUT_GRAPH,
        });
        if (!row) return { ok: false as const, reason: 'not_found' as const };
        // The status is re-checked by the delete itself, under the row lock on Postgres.
        const { count } = await db.workflowRun.deleteMany({
          where: { id: runId, status: { notIn: ACTIVE } },
        });
        if (count === 1) return { ok: true as const };
        return { ok: false as const, reason: 'active' as const, run: toRun(row) };
      });
    },

    async pruneRuns(input) {
      if (input.olderThanMs === undefined && input.keepPerWorkflow === undefined) {
        return { deleted: 0 };
      }
      const limit = input.limit ?? DEFAULT_PRUNE_LIMIT;
      return transaction(async (db) => {
        const ids = await runsToPrune(db, input, limit);
        if (ids.length === 0) return { deleted: 0 };
        const { count } = await db.workflowRun.deleteMany({
          where: { id: { in: ids }, status: { notIn: ACTIVE } },
        });
        return { deleted: count };
      });
    },

    async listRuns(ownerId, query) {
      const where: Prisma.WorkflowRunWhereInput = { ownerId };
      if (query.status !== undefined) where.status = query.status;
      if (query.workflowId !== undefined) where.workflowId = query.workflowId;
      const [total, rows] = await access((db) =>
        Promise.all([
          db.workflowRun.count({ where }),
          db.workflowRun.findMany({
            where,
            orderBy: NEWEST_FIRST,
            skip: (query.page - 1) * query.limit,
            take: query.limit,
            omit: WITHOUT_GRAPH,
          }),
        ]),
      );
      return page(rows.map(toRun), total, query);
    },

    async requestCancel(ownerId, runId) {
      return transaction(async (db) => {
        const owned = await db.workflowRun.findFirst({
          where: { id: runId, ownerId },
          select: { id: true, startedAt: true },
        });
        if (!owned) return { ok: false as const, reason: 'not_found' as const };
        const at = new Date(now());
        // A run handed back after a graceful stop has results; its open ones end with it.
        const error = queuedCancelError(owned.startedAt !== null);
        const durationMs =
          owned.startedAt === null ? null : Math.max(0, at.getTime() - owned.startedAt.getTime());
        const canceled = await db.workflowRun.updateMany({
          where: { id: runId, status: 'QUEUED' },
          data: {
            status: 'CANCELED',
            cancelRequestedAt: at,
            finishedAt: at,
            error: json(error),
            durationMs,
          },
        });
        if (canceled.count === 1) {
          const counts = emptyCounts();
          const results = await db.nodeResult.findMany({
            where: { runId },
            orderBy: { seq: 'asc' },
          });
          for (const row of results) {
            const result = toNodeResult(row);
            if (result.status !== 'RUNNING') {
              countStatus(counts, result.status);
              continue;
            }
            countStatus(counts, 'CANCELED');
            await db.nodeResult.update({
              where: { seq: row.seq },
              data: {
                status: 'CANCELED',
                error: json({ ...error, nodeId: row.nodeId }),
                finishedAt: at,
                durationMs:
                  row.startedAt === null
                    ? null
                    : Math.max(0, at.getTime() - row.startedAt.getTime()),
              },
            });
          }
          await db.workflowRun.updateMany({ where: { id: runId }, data: { counts: json(counts) } });
          // The run never reaches a worker: its event stream ends here.
          await writeEvents(db, runId, [
            {
              type: 'run:finish',
              runId,
              at: at.getTime(),
              status: 'CANCELED',
              durationMs: durationMs ?? 0,
              error,
            },
          ]);
        } else {
          await db.workflowRun.updateMany({
            where: { id: runId, status: 'RUNNING', cancelRequestedAt: null },
            data: { cancelRequestedAt: at },
          });
        }
        const run = toRun(
          await db.workflowRun.findUniqueOrThrow({ where: { id: runId }, omit: WITHOUT_GRAPH }),
        );
        if (run.status === 'RUNNING' || run.status === 'CANCELED')
          return { ok: true as const, run };
        return { ok: false as const, reason: 'finished' as const, run };
      });
    },

    async getIdempotencyKey(ownerId, key) {
      const row = await access((db) =>
        db.idempotencyKey.findFirst({
          where: { ownerId, key, expiresAt: { gt: new Date(now()) } },
          select: { requestHash: true, runId: true },
        }),
      );
      return row ?? undefined;
    },

    async abandonRun(runId, error) {
      return transaction(async (db) => {
        const at = new Date(now());
        const { count } = await db.workflowRun.updateMany({
          where: { id: runId, status: 'QUEUED' },
          data: { status: 'FAILED', finishedAt: at, error: json(error) },
        });
        if (count !== 1) return false;
        // A retry with the same key must make a new run, not replay this dead one.
        await db.idempotencyKey.deleteMany({ where: { runId } });
        await writeEvents(db, runId, [
          { type: 'run:finish', runId, at: at.getTime(), status: 'FAILED', durationMs: 0, error },
        ]);
        return true;
      });
    },

    async setRunExternalId(runId, externalId) {
      // Unique: a second run naming the same Trigger.dev run is refused (P2002), not stored.
      await transaction((db) =>
        db.workflowRun.updateMany({ where: { id: runId }, data: { externalId } }),
      );
    },

    async claimRun(claim) {
      const cap = claim.maxRunningPerOwner;
      return transaction(async (db): Promise<ClaimedRun | undefined> => {
        const at = new Date(now());
        const passOver: string[] = [];
        // Each pass either claims, or rules out an owner at the cap or a run another worker
        // took first; the bound only guards against a pathological stream of such races.
        for (let attempt = 0; attempt < 16; attempt++) {
          let id = claim.runId;
          if (id === undefined) {
            const candidate = await claimCandidate(db, at, passOver);
            if (!candidate) return undefined;
            if (!candidate.expired && cap !== undefined) {
              if (!(await underCap(db, candidate.ownerId, cap))) {
                passOver.push(candidate.ownerId);
                continue;
              }
            }
            id = candidate.id;
          }
          const leaseExpiresAt = new Date(at.getTime() + claim.leaseMs);
          const lease = { status: 'RUNNING', leaseOwner: claim.workerId, leaseExpiresAt };
          let { count } = await db.workflowRun.updateMany({
            where: { id, status: 'QUEUED' },
            data: { ...lease, attempts: { increment: 1 } },
          });
          if (count === 0) {
            // Taking over an expired lease: the worker crashed or stalled, an interruption.
            ({ count } = await db.workflowRun.updateMany({
              where: { id, status: 'RUNNING', leaseExpiresAt: { lt: at } },
              data: { ...lease, attempts: { increment: 1 }, interruptions: { increment: 1 } },
            }));
          }
          if (count === 0) {
            if (claim.runId !== undefined) return undefined;
            continue;
          }
          await db.workflowRun.updateMany({
            where: { id, startedAt: null },
            data: { startedAt: at },
          });
          const row = await db.workflowRun.findUniqueOrThrow({ where: { id } });
          return {
            run: toRun(row),
            graph: await graphOfRun(db, row),
            traceparent: row.traceparent,
            inputs:
              row.inputs === null ? null : (JSON.parse(row.inputs) as Record<string, JsonValue>),
            leaseOwner: claim.workerId,
            leaseExpiresAt: leaseExpiresAt.getTime(),
          };
        }
        return undefined;
      });
    },

    async renewLease(runId, workerId, leaseMs) {
      const { count } = await access((db) =>
        db.workflowRun.updateMany({
          where: { id: runId, status: 'RUNNING', leaseOwner: workerId },
          data: { leaseExpiresAt: new Date(now() + leaseMs) },
        }),
      );
      return count === 1;
    },

    async releaseRun(runId, workerId) {
      const { count } = await access((db) =>
        db.workflowRun.updateMany({
          where: { id: runId, status: 'RUNNING', leaseOwner: workerId },
          data: { status: 'QUEUED', leaseOwner: null, leaseExpiresAt: null },
        }),
      );
      return count === 1;
    },

    async getRunById(runId) {
      const row = await access((db) =>
        db.workflowRun.findUnique({ where: { id: runId }, omit: WITHOUT_GRAPH }),
      );
      return row ? toRun(row) : undefined;
    },

    async recordRunProgress(runId, workerId, progress) {
      return transaction(async (db) => {
        if (!(await holdLease(db, runId, workerId))) return undefined;
        return writeProgress(db, runId, progress);
      });
    },

    async recordNodeResult(runId, result) {
      // Two first writes of one node race to insert it on Postgres; the retry updates.
      await retryingConflicts(() => access((db) => writeNodeResult(db, runId, result)));
    },

    async appendLogs(runId, logs) {
      await access((db) => writeLogs(db, runId, logs));
    },

    async appendRunEvents(runId, events) {
      // Concurrent appends race for the next `seq`; the primary key refuses the loser, who retries.
      return retryingConflicts(() => transaction((db) => writeEvents(db, runId, events)));
    },

    async listRunEvents(runId, afterSeq, limit) {
      const rows = await access((db) =>
        db.runEvent.findMany({
          where: { runId, seq: { gt: afterSeq } },
          orderBy: { seq: 'asc' },
          ...(limit !== undefined && limit >= 0 ? { take: limit } : {}),
        }),
      );
      return rows.map((row) => ({ runId, seq: row.seq, event: parse<RunEvent>(row.payload) }));
    },

    async finishRun(runId, workerId, input) {
      return transaction(async (db) => {
        const { count } = await db.workflowRun.updateMany({
          where: { id: runId, status: 'RUNNING', leaseOwner: workerId },
          data: {
            status: input.status,
            error: input.error === null ? null : json(input.error),
            counts: json(input.counts),
            durationMs: input.durationMs,
            finishedAt: new Date(now()),
            leaseOwner: null,
            leaseExpiresAt: null,
          },
        });
        if (count !== 1) return false;
        if (input.progress) await writeProgress(db, runId, input.progress);
        return true;
      });
    },

    async ping() {
      await access((db) => db.user.findFirst({ select: { id: true } }));
    },

    async checkWritable() {
      // An UPDATE needs write access even when it matches nothing (a read-only Postgres
      // replica or SQLite file refuses it); the transaction is rolled back all the same.
      const rollback = Symbol('rollback');
      try {
        await transaction(async (db) => {
          await db.user.updateMany({
            where: { id: 'galaxy:write-probe' },
            data: { lastSeenAt: new Date(0) },
          });
          throw rollback;
        });
      } catch (error) {
        if (error !== rollback) throw error;
      }
    },

    async close() {
      await prisma.$disconnect();
    },
  };

  return store;
}
