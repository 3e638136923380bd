import type { GalaxyStore } from '../../store/types';
import { cancelRules } from './cancel';
import { claimRules } from './claims';
import { fileRules } from './files';
import { ALICE, BOB, type Clock } from './fixtures';
import { idempotencyRules } from './idempotency';
import { pageRules } from './pages';
import { progressRules } from './progress';
import { retentionRules } from './retention';
import { runRules } from './runs';
import { usageRules } from './usage';
import { userRules } from './users';
import { versionRules } from './versions';
import { workflowRules } from './workflows';

export interface StoreContractOptions {
  /** Your test runner's `test`/`it`: the suite registers one test per rule. */
  test: (name: string, fn: () => Promise<void>) => void;
  /** Makes a fresh, empty store that reads time from `now`. Closed after each test. */
  makeStore: (options: { now: () => number }) => GalaxyStore | Promise<GalaxyStore>;
  /** Also checks `store.files`, for stores that keep files. Default false. */
  files?: boolean;
  /** Also checks `store.usage` (the token and cost ledger) and runs' `usage`, for stores that keep them. Default false. */
  usage?: boolean;
}

/**
 * The rules every `GalaxyStore` keeps. A store for another database (Prisma, Postgres, ...)
 * runs this suite unchanged: `runStoreContract({ test: it, makeStore })`.
 */
export function runStoreContract({ test, makeStore, files, usage }: StoreContractOptions): void {
  function withStore(name: string, fn: (store: GalaxyStore, clock: Clock) => Promise<void>) {
    test(name, async () => {
      const clock = { ms: Date.UTC(2025, 0, 1) };
      const store = await makeStore({ now: () => clock.ms });
      try {
        await store.ensureUser(ALICE);
        await store.ensureUser(BOB);
        await fn(store, clock);
      } finally {
        await store.close();
      }
    });
  }

  userRules(withStore);
  workflowRules(withStore);
  versionRules(withStore);
  runRules(withStore);
  idempotencyRules(withStore);
  cancelRules(withStore);
  claimRules(withStore);
  progressRules(withStore);
  pageRules(withStore);
  retentionRules(withStore);
  if (files) fileRules(withStore);
  if (usage) usageRules(withStore);
}
