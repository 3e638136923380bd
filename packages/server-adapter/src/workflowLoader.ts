import {
  checkWorkflowReferences,
  defaultRunCaps,
  GalaxyError,
  type ValidationIssue,
  type WorkflowLoader,
  type WorkflowRef,
} from '@galaxyflow/engine';
import { graphOf } from './store/shared';
import type { WorkflowStore } from './store/types';

/**
 * Loads saved workflow versions as one user sees them, for Workflow and Map nodes and for the
 * reference check: a version of another user's workflow is `E_WORKFLOW_NOT_FOUND`, exactly as
 * a version that does not exist.
 */
export function ownerLoader(
  store: Pick<WorkflowStore, 'getWorkflowVersion'>,
  ownerId: string,
): WorkflowLoader {
  return async ({ workflowId, version }) => {
    const snapshot = await store.getWorkflowVersion(ownerId, workflowId, version);
    if (!snapshot) {
      throw new GalaxyError(
        'E_WORKFLOW_NOT_FOUND',
        `Workflow ${workflowId}@${version} does not exist, or is not yours.`,
        { details: { workflowId, version } },
      );
    }
    return graphOf(snapshot);
  };
}

/**
 * What is wrong with the saved workflows a graph calls, as its owner sees them: calls back to
 * itself (directly or through others), versions that do not exist or are someone else's, and
 * chains deeper than the engine's `workflowDepth` cap. Empty when the graph calls none.
 */
export function referenceIssues(
  store: Pick<WorkflowStore, 'getWorkflowVersion'>,
  ownerId: string,
  graph: unknown,
  self?: WorkflowRef,
): Promise<ValidationIssue[]> {
  return checkWorkflowReferences(graph, {
    load: ownerLoader(store, ownerId),
    maxDepth: defaultRunCaps.workflowDepth,
    ...(self ? { self } : {}),
  });
}
