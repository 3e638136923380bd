import type { ValidationIssue } from '@galaxyflow/engine';
import type * as z from 'zod';
import { ProblemError, type ProblemIssue } from '../errors';

/** A zod error as the `issues` of an `E_INVALID_BODY` / `E_INVALID_QUERY` problem. */
export function zodIssues(error: z.ZodError): ProblemIssue[] {
  return error.issues.map((issue) => ({
    code: issue.code,
    message: issue.message,
    path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
  }));
}

/** `E_INVALID_WORKFLOW` (422) listing a workflow's validation issues, the first as its detail. */
export function invalidWorkflow(issues: readonly ValidationIssue[]): ProblemError {
  return new ProblemError('E_INVALID_WORKFLOW', {
    detail: issues[0]?.message ?? 'The workflow is invalid.',
    issues: issues.map((issue) => {
      const out: ProblemIssue = { code: issue.code, message: issue.message };
      if (issue.path) out.path = issue.path;
      if (issue.nodeId !== undefined) out.nodeId = issue.nodeId;
      if (issue.edgeId !== undefined) out.edgeId = issue.edgeId;
      if (issue.nodeIds) out.nodeIds = issue.nodeIds;
      return out;
    }),
  });
}
