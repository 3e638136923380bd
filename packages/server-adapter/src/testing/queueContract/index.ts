import { describe } from 'vitest';
import { cancelRules } from './cancel';
import { executeRules } from './execute';
import { stopRules } from './stop';
import type { QueueContractOptions } from './types';

export type { QueueContractHarness, QueueContractOptions } from './types';

/**
 * What every `RunQueue` guarantees, as a user notices it: runs execute once and end with
 * their results stored, Cancel works whether a run waits or runs, and a stop (a deploy)
 * neither hangs nor loses a run. A queue over another backend runs it unchanged:
 * `runQueueContract({ name: 'BullMQ', create: ({ registry }) => ... })` in a Vitest file.
 * Per-user caps and fairness are the in-process queue's own promises, tested with it.
 */
export function runQueueContract(options: QueueContractOptions): void {
  describe(`RunQueue contract: ${options.name}`, () => {
    executeRules(options);
    cancelRules(options);
    stopRules(options);
  });
}
