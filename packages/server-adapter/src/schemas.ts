import {
  type WorkflowLimits,
  WorkflowEdgeSchema,
  WorkflowNodeSchema,
  WorkflowSettingsSchema,
} from '@galaxyflow/engine';
import { z } from 'zod';
import { problemCodes } from './errors';
import { runStatuses } from './store/types';

/** The limits a request is held to, as `createGalaxyRouter` resolved them. */
export interface SchemaLimits {
  workflow: WorkflowLimits;
  maxPageSize: number;
}

const Id = z.string().min(1).max(128);
const Timestamp = z.string().describe('ISO 8601 date-time');
const NullableTimestamp = Timestamp.nullable();
const Version = z.number().int().min(1);
const RunStatus = z.enum(runStatuses);
const NodeId = z.string().min(1).max(128);

const ErrorInfo = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  nodeId: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

const NodeMetaFallback = z.object({
  provider: z.string(),
  model: z.string(),
  attempts: z.number().int(),
  code: z.string(),
  message: z.string(),
});

/**
 * The engine's `NodeMeta`: the facts the built-in llm and vision nodes record, and any keys a
 * host's own node adds.
 */
const NodeMeta = z.looseObject({
  provider: z.string().optional(),
  model: z.string().optional(),
  attempts: z.number().int().optional(),
  usage: z
    .object({
      inputTokens: z.number().optional(),
      outputTokens: z.number().optional(),
      totalTokens: z.number().optional(),
    })
    .optional(),
  finishReason: z.string().optional(),
  fallbacks: z.array(NodeMetaFallback).optional(),
});

/**
 * Every schema of the API, request and response, built once per router from its limits.
 * The handlers parse with them and `openapi.json` is generated from them: one definition.
 */
export function createSchemas(limits: SchemaLimits) {
  const Name = z.string().trim().min(1).max(200);
  const Description = z.string().max(10_000);
  const Tags = z.array(z.string().trim().min(1).max(50)).max(20);
  const Nodes = z.array(WorkflowNodeSchema).max(limits.workflow.maxNodes);
  const Edges = z.array(WorkflowEdgeSchema).max(limits.workflow.maxEdges);
  const Settings = WorkflowSettingsSchema;
  const TargetNodeIds = z.array(NodeId).min(1).max(limits.workflow.maxNodes);

  // Unknown keys (`id`, `userId`, `version`, `createdAt`, ...) are stripped: the server owns them.
  const WorkflowCreateBody = z.object({
    name: Name,
    description: Description.default(''),
    tags: Tags.default([]),
    nodes: Nodes.default([]),
    edges: Edges.default([]),
    settings: Settings.nullable().default(null),
  });

  const WorkflowUpdateBody = z.object({
    name: Name.optional(),
    description: Description.optional(),
    tags: Tags.optional(),
    nodes: Nodes.optional(),
    edges: Edges.optional(),
    settings: Settings.nullable().optional(),
    /** The version the client edited; the save is refused when another one happened since. */
    expectedVersion: Version.optional(),
  });

  const RestoreBody = z.object({ expectedVersion: Version.optional() });

  const ExecuteCommon = {
    /** Run only these nodes and their ancestors. */
    targetNodeIds: TargetNodeIds.optional(),
    /** Reuse the unchanged node results of this earlier run. */
    reuseRunId: Id.optional(),
  };
  const ExecuteSavedBody = z.object({
    workflowId: Id,
    /** Default: the current version. */
    version: Version.optional(),
    ...ExecuteCommon,
  });
  // Node and edge shapes are the engine's business: it reports issues with its own codes.
  const ExecuteGraphBody = z.object({
    nodes: z.array(z.unknown()).max(limits.workflow.maxNodes),
    edges: z.array(z.unknown()).max(limits.workflow.maxEdges),
    settings: z.unknown().optional(),
    ...ExecuteCommon,
  });
  const ExecuteBody = z.union([ExecuteSavedBody, ExecuteGraphBody]);

  const Paging = {
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    limit: z.coerce.number().int().min(1).max(limits.maxPageSize).default(20),
  };
  const WorkflowListQuery = z.object({ ...Paging, q: z.string().max(200).optional() });
  const RunListQuery = z.object({
    ...Paging,
    status: RunStatus.optional(),
    workflowId: Id.optional(),
  });
  const PageQuery = z.object(Paging);

  const pageOf = <T extends z.ZodType>(item: T) =>
    z.object({
      items: z.array(item),
      page: z.number().int(),
      limit: z.number().int(),
      total: z.number().int(),
    });

  const GraphFields = {
    nodes: z.array(WorkflowNodeSchema),
    edges: z.array(WorkflowEdgeSchema),
    settings: Settings.nullable(),
  };
  const ContentFields = {
    name: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    ...GraphFields,
  };

  const Workflow = z.object({
    id: z.string(),
    ownerId: z.string(),
    ...ContentFields,
    version: Version,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  });
  const WorkflowSummary = z.object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    version: Version,
    nodeCount: z.number().int(),
    runCount: z.number().int(),
    lastRunStatus: RunStatus.nullable(),
    lastRunAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  });
  const WorkflowVersion = z.object({
    workflowId: z.string(),
    version: Version,
    ...ContentFields,
    restoredFrom: Version.nullable(),
    createdAt: Timestamp,
  });
  const WorkflowVersionSummary = z.object({
    workflowId: z.string(),
    version: Version,
    name: z.string(),
    nodeCount: z.number().int(),
    edgeCount: z.number().int(),
    restoredFrom: Version.nullable(),
    createdAt: Timestamp,
  });
  const RunCounts = z.object({
    total: z.number().int(),
    success: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    canceled: z.number().int(),
  });
  const Run = z.object({
    id: z.string(),
    ownerId: z.string(),
    workflowId: z.string().nullable(),
    workflowVersion: Version.nullable(),
    status: RunStatus,
    scope: z.enum(['FULL', 'PARTIAL']),
    targetNodeIds: z.array(z.string()).nullable(),
    reuseRunId: z.string().nullable(),
    counts: RunCounts,
    error: ErrorInfo.nullable(),
    externalId: z.string().nullable(),
    attempts: z.number().int(),
    interruptions: z.number().int(),
    createdAt: Timestamp,
    startedAt: NullableTimestamp,
    finishedAt: NullableTimestamp,
    durationMs: z.number().nullable(),
    cancelRequestedAt: NullableTimestamp,
  });
  const NodeResult = z.object({
    runId: z.string(),
    nodeId: z.string(),
    status: z.enum(['RUNNING', 'SUCCESS', 'FAILED', 'SKIPPED', 'CANCELED']),
    input: z.record(z.string(), z.unknown()).nullable(),
    output: z.record(z.string(), z.unknown()).nullable(),
    error: ErrorInfo.nullable(),
    attempts: z.number().int(),
    startedAt: NullableTimestamp,
    finishedAt: NullableTimestamp,
    durationMs: z.number().nullable(),
    reused: z.boolean(),
    hash: z.string().nullable(),
    skippedBecause: z.string().nullable(),
    /** Which provider and model answered, the fallbacks tried, ...; null when nothing was reported. */
    meta: NodeMeta.nullable(),
  });
  const ExecutionLog = z.object({
    id: z.number().int(),
    runId: z.string(),
    nodeId: z.string().nullable(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    metadata: z.unknown(),
    at: Timestamp,
  });
  const RunDetail = z.object({
    run: Run,
    graph: z.object(GraphFields),
    nodeResults: z.array(NodeResult),
    logs: z.array(ExecutionLog),
  });
  const ExecuteAccepted = z.object({ runId: z.string() });
  // Unhealthy is a 503 problem document, not a status here.
  const Health = z.object({ status: z.literal('ok') });
  const ProblemCode = z.enum(
    Object.keys(problemCodes) as [keyof typeof problemCodes, ...(keyof typeof problemCodes)[]],
  );
  const Problem = z.object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: ProblemCode,
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    currentVersion: z.number().int().optional(),
    issues: z
      .array(
        z.object({
          code: z.string(),
          message: z.string(),
          path: z.array(z.union([z.string(), z.number()])).optional(),
          nodeId: z.string().optional(),
          edgeId: z.string().optional(),
          nodeIds: z.array(z.string()).optional(),
        }),
      )
      .optional(),
  });

  return {
    WorkflowCreateBody,
    WorkflowUpdateBody,
    RestoreBody,
    ExecuteSavedBody,
    ExecuteGraphBody,
    ExecuteBody,
    WorkflowListQuery,
    RunListQuery,
    PageQuery,
    Workflow,
    WorkflowPage: pageOf(WorkflowSummary),
    WorkflowVersion,
    WorkflowVersionPage: pageOf(WorkflowVersionSummary),
    Run,
    RunPage: pageOf(Run),
    RunDetail,
    ExecuteAccepted,
    Health,
    Problem,
  };
}

export type GalaxySchemas = ReturnType<typeof createSchemas>;
