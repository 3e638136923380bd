import { ProblemError } from '../errors';
import type { ResolvedOptions } from '../options';
import type { RouteDefinition } from '../routeTypes';
import { dayOf, sumTotals } from '../store/ledger';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest period one report covers, in days. */
export const MAX_USAGE_DAYS = 366;
/** Days a report covers when the request names no `from`: the last 30, today included. */
const DEFAULT_DAYS = 30;

const dayMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);

/**
 * `GET /usage`: the caller's token and cost totals from the ledger, per day, workflow or
 * model, with their spending limits. Present when the store keeps a ledger (`store.usage`).
 * A host reads every user's usage from the store itself (`store.usage.listUsage` without
 * `ownerId`), never through a route.
 */
export function usageRoutes(options: ResolvedOptions): RouteDefinition[] {
  const { schemas: s, prices, budget } = options;
  const ledger = options.store.usage;
  if (!ledger) return [];
  return [
    {
      method: 'GET',
      path: '/usage',
      auth: true,
      operationId: 'getUsage',
      summary:
        'Your model calls’ tokens and cost per UTC day, workflow or model over a period (default the last 30 days), with your spending limits.',
      query: s.UsageQuery,
      responses: { 200: { schema: s.UsageReport, description: 'The totals of the period.' } },
      problems: [400],
      async handler(context) {
        const query = context.parseQuery(s.UsageQuery);
        const to = query.to ?? dayOf(Date.now());
        const from = query.from ?? dayOf(dayMs(to) - (DEFAULT_DAYS - 1) * DAY_MS);
        if (from > to) {
          throw new ProblemError('E_INVALID_QUERY', {
            detail: `\`from\` (${from}) is after \`to\` (${to}).`,
            issues: [{ code: 'custom', message: '`from` is after `to`.', path: ['from'] }],
          });
        }
        if ((dayMs(to) - dayMs(from)) / DAY_MS + 1 > MAX_USAGE_DAYS) {
          throw new ProblemError('E_INVALID_QUERY', {
            detail: `A report covers at most ${MAX_USAGE_DAYS} days; ask for a shorter period.`,
            issues: [
              { code: 'custom', message: `At most ${MAX_USAGE_DAYS} days.`, path: ['from'] },
            ],
          });
        }
        const rows = await ledger.listUsage({
          ownerId: context.userId,
          from,
          to,
          groupBy: query.groupBy,
        });
        return {
          status: 200,
          body: {
            from,
            to,
            groupBy: query.groupBy,
            rows,
            total: sumTotals(rows),
            pricesAsOf: prices.asOf,
            budgets: budget ? await budget.standing(context.userId) : [],
          },
        };
      },
    },
  ];
}
