import type * as z from 'zod';
import type { ProblemIssue } from '../errors';

/** A zod error as the `issues` of an `E_INVALID_BODY` / `E_INVALID_QUERY` problem. */
export function zodIssues(error: z.ZodError): ProblemIssue[] {
  return error.issues.map((issue) => ({
    code: issue.code,
    message: issue.message,
    path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
  }));
}
