import { runs, tasks } from '@trigger.dev/sdk';
import type { TriggerDevClient } from './triggerQueue';

/**
 * The queue's client over `@trigger.dev/sdk`, which reads `TRIGGER_SECRET_KEY` (and
 * `TRIGGER_API_URL` for a self-hosted instance) from the environment.
 */
export function triggerSdkClient(): TriggerDevClient {
  return {
    async trigger(taskId, payload, options) {
      const handle = await tasks.trigger(taskId, payload, options);
      return { id: handle.id };
    },
    cancel: (triggerRunId) => runs.cancel(triggerRunId),
  };
}
