import {
  isValidPortName,
  JsonValueSchema,
  ProviderListSchema,
  RunStatusSchema,
  type WorkflowLimits,
  WorkflowEdgeSchema,
  WorkflowNodeSchema,
  WorkflowSettingsSchema,
} from '@galaxyflow/engine';
import * as z from 'zod';
import { problemCodes } from './errors';
import {
  cursorPageSchemaOf,
  ExecutionLogRecordSchema,
  FileRecordSchema,
  NodeResultRecordSchema,
  pageSchemaOf,
  RunDetailSchema,
  RunRecordSchema,
  UsageDaySchema,
  UsageGroupBySchema,
  UsageReportSchema,
  WorkflowRecordSchema,
  WorkflowSummarySchema,
  WorkflowVersionRecordSchema,
  WorkflowVersionSummarySchema,
} from './store/records';

/** The limits a request is held to, as `createGalaxyRouter` resolved them. */
export interface SchemaLimits {
  workflow: WorkflowLimits;
  maxPageSize: number;
  /** Node results and log lines per page of a run when a request sets no `limit`. */
  runPageSize: number;
  /** The largest `limit` of a page of a run's node results or log lines. */
  maxRunPageSize: number;
}

const Id = z.string().min(1).max(128);
const Version = z.number().int().min(1);
const NodeId = z.string().min(1).max(128);

/**
 * Every schema of the API, request and response, built once per router from its limits.
 * The handlers parse with them and `openapi.json` is generated from them: one definition.
 * The responses are the store's records (`store/records.ts`) as they are.
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
    settings: Settings.optional(),
  });

  const WorkflowUpdateBody = z.object({
    name: Name.optional(),
    description: Description.optional(),
    tags: Tags.optional(),
    nodes: Nodes.optional(),
    edges: Edges.optional(),
    /** Replaces the settings; `{}` clears them. */
    settings: Settings.optional(),
    /** The version the client edited; the save is refused when another one happened since. */
    expectedVersion: Version.optional(),
  });

  const RestoreBody = z.object({ expectedVersion: Version.optional() });

  const ExecuteCommon = {
    /** Run only these nodes and their ancestors. */
    targetNodeIds: TargetNodeIds.optional(),
    /** Reuse the unchanged node results of this earlier run. */
    reuseRunId: Id.optional(),
    /** Values of the workflow's Input nodes by name; an Input given none takes its default. */
    inputs: z
      .record(z.string().max(64).refine(isValidPortName), JsonValueSchema, {
        error: (issue) =>
          issue.code === 'invalid_key'
            ? 'An input name is letters, digits and _, not starting with a digit (at most 64).'
            : undefined,
      })
      .refine((inputs) => Object.keys(inputs).length <= 100, {
        message: 'At most 100 inputs.',
      })
      .optional(),
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
    status: RunStatusSchema.optional(),
    workflowId: Id.optional(),
  });
  const PageQuery = z.object(Paging);
  const RunPageLimit = z.coerce
    .number()
    .int()
    .min(1)
    .max(limits.maxRunPageSize)
    .default(limits.runPageSize);
  /** How many node results and log lines the run detail carries. */
  const RunDetailQuery = z.object({ limit: RunPageLimit });
  const RunItemsQuery = z.object({
    /** The `next` cursor of the page before; default: from the first. */
    after: z
      .string()
      .regex(
        /^\d{1,15}$/,
        'Pass a cursor this API returned (`nodeResultsNext`, `logsNext`, `next`).',
      )
      .optional(),
    limit: RunPageLimit,
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

  const UsageQuery = z
    .object({
      /** First day (UTC), `YYYY-MM-DD`. Default 29 days before `to`. */
      from: UsageDaySchema.optional(),
      /** Last day, included. Default today (UTC). */
      to: UsageDaySchema.optional(),
      groupBy: UsageGroupBySchema.default('day'),
    })
    .superRefine((query, ctx) => {
      for (const key of ['from', 'to'] as const) {
        const day = query[key];
        const ms = day === undefined ? Number.NaN : Date.parse(`${day}T00:00:00Z`);
        // Zod runs this even when a field failed its pattern: only real days pass.
        if (
          day !== undefined &&
          (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day)
        ) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'Not a calendar day.', input: day });
        }
      }
      if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
        ctx.addIssue({
          code: 'custom',
          path: ['from'],
          message: '`from` is after `to`.',
          input: query.from,
        });
      }
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
    RunDetailQuery,
    RunItemsQuery,
    Workflow: WorkflowRecordSchema,
    WorkflowPage: pageSchemaOf(WorkflowSummarySchema),
    WorkflowVersion: WorkflowVersionRecordSchema,
    WorkflowVersionPage: pageSchemaOf(WorkflowVersionSummarySchema),
    Run: RunRecordSchema,
    RunPage: pageSchemaOf(RunRecordSchema),
    RunDetail: RunDetailSchema,
    NodeResultPage: cursorPageSchemaOf(NodeResultRecordSchema),
    LogPage: cursorPageSchemaOf(ExecutionLogRecordSchema),
    ExecuteAccepted,
    ProviderList: ProviderListSchema,
    UsageQuery,
    UsageReport: UsageReportSchema,
    Health,
    Problem,
    File: FileRecordSchema,
    FilePage: pageSchemaOf(FileRecordSchema),
    FileUploadQuery: z.object({
      /** The name downloads get. Default `upload` with the type's extension. */
      name: z.string().min(1).max(255).optional(),
    }),
  };
}

export type GalaxySchemas = ReturnType<typeof createSchemas>;
