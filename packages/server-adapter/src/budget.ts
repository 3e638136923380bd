import {
  type BudgetReservation,
  GalaxyError,
  type ModelCallBudget,
  type ModelCallEstimate,
  type ModelCallSpend,
} from '@galaxyflow/engine';
import { hostError } from './errors';
import { dayOf } from './store/ledger';
import type { BudgetStanding } from './store/records';
import type { RunStore, UsageStore, UsageTotals } from './store/types';

/**
 * Spending limits of one user: tokens (input and output together) or USD, per UTC day and
 * per UTC calendar month. A limit left out does not apply.
 */
export interface BudgetLimits {
  /** Most tokens a day. */
  dailyTokens?: number;
  /** Most tokens a calendar month. */
  monthlyTokens?: number;
  /** Most USD a day, at the workers' price table. */
  dailyCostUsd?: number;
  /** Most USD a calendar month. */
  monthlyCostUsd?: number;
}

/** The kinds of limit, as `E_BUDGET_EXCEEDED`'s `details.limit` names them. */
export type BudgetLimitName = keyof BudgetLimits;
const LIMIT_NAMES: readonly BudgetLimitName[] = [
  'dailyTokens',
  'monthlyTokens',
  'dailyCostUsd',
  'monthlyCostUsd',
];

/** Budgets of a router or worker. */
export interface BudgetOptions {
  /** Every user's limits. Default: none. */
  limits?: BudgetLimits;
  /**
   * One user's limits, over `limits` field by field (a field set to `Infinity` lifts that
   * limit for them); undefined keeps `limits`. Asked before every model call, so keep it fast
   * (cache what it reads). Default none.
   */
  limitsFor?: (userId: string) => BudgetLimits | undefined | Promise<BudgetLimits | undefined>;
}

export type { BudgetStanding };

/** A run's budget: the engine asks it before every model call (the run context's `budget`). */
export interface RunBudget extends ModelCallBudget {
  /** The node's result, with what its calls used, is in the store now: stop holding it here. */
  stored(nodeId: string): void;
  /** The run is over: whatever it still holds is let go. */
  close(): void;
}

/**
 * Budgets kept across the runs of one process: what the store's ledger says each user used
 * today and this month, plus what this process's calls hold meanwhile (a call in flight holds
 * its estimated input and its maximum output until it answers; a call that answered holds what
 * it used until its node result is stored). A call is refused once that reaches a limit, so
 * calls running at once pass a limit by at most what they may still produce. Workers in other
 * processes see each other's calls once their results are stored.
 */
export interface BudgetGuard {
  /** The budget of one run of `userId`, for the run context. */
  forRun(userId: string, runId: string): RunBudget;
  /** Where the user stands against each of their limits now; empty when none applies. */
  standing(userId: string): Promise<BudgetStanding[]>;
}

export interface BudgetGuardOptions extends BudgetOptions {
  /** The ledger (`store.usage`). Required. */
  usage: UsageStore;
  /** Clock in epoch ms: days and months are UTC. Default `Date.now`. */
  now?: () => number;
}

interface Held {
  userId: string;
  runId: string;
  nodeId: string;
  tokens: number;
  costUsd: number;
  /** Answered and waiting for its result to be stored (true), or in flight (false). */
  settled: boolean;
}

function nextDay(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

function nextMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

function checkLimits(limits: BudgetLimits, where: string): void {
  for (const name of LIMIT_NAMES) {
    const value = limits[name];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && !Number.isNaN(value))) {
      throw hostError(
        'E_INVALID_OPTION',
        `Galaxy Flow budgets: \`${where}.${name}\` must be a number of 0 or more (or Infinity).`,
        { options: [`${where}.${name}`] },
      );
    }
  }
}

const LIMIT_WORDS: Record<BudgetLimitName, string> = {
  dailyTokens: 'daily token limit',
  monthlyTokens: 'monthly token limit',
  dailyCostUsd: 'daily cost limit',
  monthlyCostUsd: 'monthly cost limit',
};

function amount(limit: BudgetLimitName, value: number): string {
  return limit.endsWith('Tokens')
    ? `${Math.round(value).toLocaleString('en-US')} tokens`
    : `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

/** The error a refused call fails its node with. */
export function budgetExceeded(standing: BudgetStanding, nodeId: string): GalaxyError {
  const reset = new Date(standing.resetsAt).toISOString();
  return new GalaxyError(
    'E_BUDGET_EXCEEDED',
    `The ${LIMIT_WORDS[standing.limit]} of ${amount(standing.limit, standing.max)} is reached (${amount(standing.limit, standing.used)} used or held by calls in flight); no model call is made until it resets at ${reset}.`,
    {
      nodeId,
      details: {
        limit: standing.limit,
        max: standing.max,
        used: standing.used,
        resetsAt: standing.resetsAt,
      },
    },
  );
}

/** Keeps per-user daily and monthly limits on model calls; see `BudgetGuard`. */
export function createBudgetGuard(options: BudgetGuardOptions): BudgetGuard {
  const { usage, limitsFor } = options;
  const now = options.now ?? Date.now;
  const defaults = options.limits ?? {};
  checkLimits(defaults, 'limits');
  /** Calls of this process that are not in the store yet, by user. */
  const held = new Map<string, Set<Held>>();

  async function limitsOf(userId: string): Promise<BudgetLimits> {
    const own = limitsFor ? await limitsFor(userId) : undefined;
    if (!own) return defaults;
    checkLimits(own, 'limitsFor()');
    return { ...defaults, ...own };
  }

  function heldBy(userId: string): { tokens: number; costUsd: number } {
    let tokens = 0;
    let costUsd = 0;
    for (const entry of held.get(userId) ?? []) {
      tokens += entry.tokens;
      costUsd += entry.costUsd;
    }
    return { tokens, costUsd };
  }

  /** Store totals of the day and the month, for the limits that apply. */
  async function usedOf(
    userId: string,
    limits: BudgetLimits,
    at: number,
  ): Promise<{ day: UsageTotals | undefined; month: UsageTotals | undefined }> {
    const today = dayOf(at);
    const wantsDay = limits.dailyTokens !== undefined || limits.dailyCostUsd !== undefined;
    const wantsMonth = limits.monthlyTokens !== undefined || limits.monthlyCostUsd !== undefined;
    const [day, month] = await Promise.all([
      wantsDay ? usage.usageTotals(userId, today, today) : undefined,
      wantsMonth ? usage.usageTotals(userId, `${today.slice(0, 8)}01`, today) : undefined,
    ]);
    return { day, month };
  }

  function standingsOf(
    limits: BudgetLimits,
    used: { day: UsageTotals | undefined; month: UsageTotals | undefined },
    extra: { tokens: number; costUsd: number },
    at: number,
  ): BudgetStanding[] {
    const out: BudgetStanding[] = [];
    for (const limit of LIMIT_NAMES) {
      const max = limits[limit];
      if (max === undefined || max === Number.POSITIVE_INFINITY) continue;
      const totals = limit.startsWith('daily') ? used.day : used.month;
      const tokens = (totals?.inputTokens ?? 0) + (totals?.outputTokens ?? 0) + extra.tokens;
      const costUsd = (totals?.costUsd ?? 0) + extra.costUsd;
      out.push({
        limit,
        max,
        used: limit.endsWith('Tokens') ? tokens : Math.round(costUsd * 1e8) / 1e8,
        resetsAt: limit.startsWith('daily') ? nextDay(at) : nextMonth(at),
      });
    }
    return out;
  }

  function release(entry: Held): void {
    const set = held.get(entry.userId);
    set?.delete(entry);
    if (set?.size === 0) held.delete(entry.userId);
  }

  return {
    async standing(userId) {
      const limits = await limitsOf(userId);
      const at = now();
      return standingsOf(limits, await usedOf(userId, limits, at), { tokens: 0, costUsd: 0 }, at);
    },

    forRun(userId, runId) {
      const mine = new Set<Held>();
      return {
        async reserve(call: ModelCallEstimate): Promise<BudgetReservation> {
          const limits = await limitsOf(userId);
          const at = now();
          const used = await usedOf(userId, limits, at);
          // From here to the hold, nothing awaits: two calls of one user never both pass on the
          // same room.
          const over = standingsOf(limits, used, heldBy(userId), at).find((s) => s.used >= s.max);
          if (over) throw budgetExceeded(over, call.nodeId);
          const entry: Held = {
            userId,
            runId,
            nodeId: call.nodeId,
            tokens: call.inputTokens + call.maxOutputTokens,
            costUsd: call.maxCostUsd ?? 0,
            settled: false,
          };
          const set = held.get(userId) ?? new Set<Held>();
          held.set(userId, set);
          set.add(entry);
          mine.add(entry);
          let done = false;
          return {
            settle(spent: ModelCallSpend | undefined) {
              if (done) return;
              done = true;
              if (!spent) {
                release(entry);
                mine.delete(entry);
                return;
              }
              entry.tokens = spent.inputTokens + spent.outputTokens;
              entry.costUsd = spent.costUsd ?? 0;
              entry.settled = true;
            },
          };
        },
        stored(nodeId) {
          for (const entry of mine) {
            if (entry.nodeId === nodeId && entry.settled) {
              release(entry);
              mine.delete(entry);
            }
          }
        },
        close() {
          for (const entry of mine) release(entry);
          mine.clear();
        },
      };
    },
  };
}

/** The guard a router's or worker's `budgets` option asks for, over the store's ledger. */
export function budgetGuardOf(
  store: RunStore & { usage?: UsageStore },
  budgets: BudgetOptions | BudgetGuard | undefined,
): BudgetGuard | undefined {
  if (budgets === undefined) return undefined;
  if ('forRun' in budgets) return budgets;
  if (!store.usage) {
    throw hostError(
      'E_INVALID_OPTION',
      'Galaxy Flow: `budgets` needs a store that keeps a token ledger (`store.usage`), as the SQLite, Postgres and memory stores do.',
      { options: ['budgets'] },
    );
  }
  return createBudgetGuard({ ...budgets, usage: store.usage });
}
