import { vi } from 'vitest';
import type {
  GalaxyRunPayload,
  GalaxyTriggerOptions,
  TriggerDevClient,
} from '../queue/triggerQueue';

/** A job the fake holds: what was triggered, and the signal its task attempt runs under. */
export interface FakeTriggerJob {
  id: string;
  taskId: string;
  payload: GalaxyRunPayload;
  options: GalaxyTriggerOptions;
  controller: AbortController;
}

/**
 * A stand-in for Trigger.dev's API with its documented behaviour: a second trigger with an
 * idempotency key it has seen returns the first run's handle; cancel aborts the run's signal.
 */
export function fakeTriggerDev(): { client: TriggerDevClient; jobs: FakeTriggerJob[] } {
  const jobs: FakeTriggerJob[] = [];
  const client: TriggerDevClient = {
    trigger: vi.fn(async (taskId, payload, options) => {
      const existing = jobs.find((job) => job.options.idempotencyKey === options.idempotencyKey);
      if (existing) return { id: existing.id };
      const job = {
        id: `run_${jobs.length + 1}`,
        taskId,
        payload,
        options,
        controller: new AbortController(),
      };
      jobs.push(job);
      return { id: job.id };
    }),
    cancel: vi.fn(async (triggerRunId: string) => {
      const job = jobs.find((j) => j.id === triggerRunId);
      if (!job) throw new Error(`404: no run ${triggerRunId}`);
      job.controller.abort();
      return { id: triggerRunId };
    }),
  };
  return { client, jobs };
}
