import { ProblemError } from '../errors';
import type { ResolvedOptions } from '../options';
import type { RetentionPolicy } from '../store/types';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The retention policy in words, for a user told to wait for it. */
function retentionNote(policy: RetentionPolicy | undefined): string {
  const rules: string[] = [];
  if (policy?.olderThanMs !== undefined) {
    const days = policy.olderThanMs / DAY_MS;
    rules.push(
      Number.isInteger(days)
        ? `${days} day${days === 1 ? '' : 's'} after they end`
        : `${Math.ceil(policy.olderThanMs / 60_000)} minutes after they end`,
    );
  }
  if (policy?.keepPerWorkflow !== undefined) {
    rules.push(`when ${policy.keepPerWorkflow} newer ones of the same workflow have ended`);
  }
  return rules.length === 0
    ? ''
    : ` This server also deletes finished runs ${rules.join(', or ')}, which frees space over time.`;
}

/**
 * The per-user storage caps, checked before anything is written so a refused request leaves
 * nothing behind. Concurrent requests may each pass a check at the cap's edge: the caps bound
 * storage, they are not an exact count.
 */
export function createQuota({ store, limits, retention }: ResolvedOptions) {
  return {
    /** Refuses a new run when the user keeps `limits.maxStoredRunsPerUser` runs already. */
    async checkRuns(userId: string): Promise<void> {
      const max = limits.maxStoredRunsPerUser;
      if (!Number.isFinite(max)) return;
      const { total } = await store.listRuns(userId, { page: 1, limit: 1 });
      if (total < max) return;
      throw new ProblemError('E_STORAGE_QUOTA_EXCEEDED', {
        detail: `You have ${total} stored runs and this server keeps at most ${max} per user. Delete finished runs you no longer need (DELETE /runs/{id}), then run again.${retentionNote(retention)}`,
      });
    },

    /** Refuses a new workflow when the user keeps `limits.maxWorkflowsPerUser` already. */
    async checkWorkflows(userId: string): Promise<void> {
      const max = limits.maxWorkflowsPerUser;
      if (!Number.isFinite(max)) return;
      const { total } = await store.listWorkflows(userId, { page: 1, limit: 1 });
      if (total < max) return;
      throw new ProblemError('E_STORAGE_QUOTA_EXCEEDED', {
        detail: `You have ${total} workflows and this server keeps at most ${max} per user. Delete workflows you no longer need (DELETE /workflows/{id}), then save again.`,
      });
    },
  };
}
