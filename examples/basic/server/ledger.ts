import { readFileSync } from 'node:fs';
import { defaultPriceTable, mergePriceTables, type PriceTable } from '@galaxyflow/engine';
import type { BudgetLimits, BudgetOptions } from '@galaxyflow/server-adapter';
import * as z from 'zod';
import { type AppConfig, ConfigError } from './config';

const PriceFileSchema = z.object({
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'asOf must be a day, e.g. "2026-12-01"'),
  models: z.record(
    z.string(),
    z.record(
      z.string(),
      z.object({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }),
    ),
  ),
});

/** What the workers price calls with and hold users to, from the settings. */
export interface LedgerSettings {
  prices: PriceTable;
  /** Undefined when no limit is set. */
  budgets: BudgetOptions | undefined;
}

/**
 * The price table (the shipped one, with PRICES_FILE's models over it) and the budget limits
 * of the BUDGET_* settings, the same for every user.
 */
export function ledgerSettingsOf(config: AppConfig): LedgerSettings {
  let prices = defaultPriceTable;
  if (config.PRICES_FILE) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(config.PRICES_FILE, 'utf8'));
    } catch (error) {
      throw new ConfigError(
        `The app cannot start: PRICES_FILE (${config.PRICES_FILE}) cannot be read as JSON (${(error as Error).message}).`,
      );
    }
    const table = PriceFileSchema.safeParse(parsed);
    if (!table.success) {
      const issue = table.error.issues[0]!;
      throw new ConfigError(
        `The app cannot start: PRICES_FILE (${config.PRICES_FILE}) is not a price table: ${issue.path.join('.') || '(root)'}: ${issue.message}. Expected { "asOf": "YYYY-MM-DD", "models": { "<provider>": { "<model>": { "inputPerMillion": 0.3, "outputPerMillion": 2.5 } } } }.`,
      );
    }
    prices = mergePriceTables(defaultPriceTable, table.data);
  }
  const limits: BudgetLimits = {};
  if (config.BUDGET_DAILY_TOKENS > 0) limits.dailyTokens = config.BUDGET_DAILY_TOKENS;
  if (config.BUDGET_MONTHLY_TOKENS > 0) limits.monthlyTokens = config.BUDGET_MONTHLY_TOKENS;
  if (config.BUDGET_DAILY_COST_USD > 0) limits.dailyCostUsd = config.BUDGET_DAILY_COST_USD;
  if (config.BUDGET_MONTHLY_COST_USD > 0) limits.monthlyCostUsd = config.BUDGET_MONTHLY_COST_USD;
  return { prices, budgets: Object.keys(limits).length > 0 ? { limits } : undefined };
}
