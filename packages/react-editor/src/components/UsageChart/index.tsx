import type { UsageReport } from '@galaxyflow/engine';
import { formatTokens, formatUsd } from '../../store/usageFormat';

export interface UsageChartProps {
  /** A report grouped by day (`groupBy: 'day'`); days it lacks count as zero. */
  report: UsageReport;
  /** Drawing width in SVG units; the chart scales to its container. Default 320. */
  width?: number;
  /** Default 140. */
  height?: number;
}

const DAY_MS = 86_400_000;
const PAD = { top: 12, right: 34, bottom: 18, left: 34 };

/** Every day of the report's period, in order, with its totals (zero when it has no row). */
export function dailySeries(
  report: UsageReport,
): { day: string; tokens: number; costUsd: number }[] {
  const byDay = new Map(report.rows.map((row) => [row.day, row]));
  const series: { day: string; tokens: number; costUsd: number }[] = [];
  const end = Date.parse(`${report.to}T00:00:00Z`);
  for (let ms = Date.parse(`${report.from}T00:00:00Z`); ms <= end; ms += DAY_MS) {
    const day = new Date(ms).toISOString().slice(0, 10);
    const row = byDay.get(day);
    series.push({
      day,
      tokens: row ? row.inputTokens + row.outputTokens : 0,
      costUsd: row?.costUsd ?? 0,
    });
  }
  return series;
}

/**
 * Daily tokens as bars and daily cost as a line, in plain SVG: each bar carries its day's
 * figures as a tooltip, and the chart as a whole a text summary for screen readers.
 */
export function UsageChart({ report, width = 320, height = 140 }: UsageChartProps) {
  const series = dailySeries(report);
  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = height - PAD.top - PAD.bottom;
  const maxTokens = Math.max(1, ...series.map((d) => d.tokens));
  const maxCost = Math.max(0, ...series.map((d) => d.costUsd));
  const step = plotWidth / Math.max(1, series.length);
  const barWidth = Math.max(1, step * 0.7);
  const x = (i: number) => PAD.left + i * step;
  const yTokens = (tokens: number) => PAD.top + plotHeight - (tokens / maxTokens) * plotHeight;
  const yCost = (usd: number) =>
    PAD.top + plotHeight - (maxCost > 0 ? (usd / maxCost) * plotHeight : 0);
  const line = series
    .map(
      (d, i) =>
        `${i === 0 ? 'M' : 'L'}${(x(i) + barWidth / 2).toFixed(1)},${yCost(d.costUsd).toFixed(1)}`,
    )
    .join(' ');
  const total = report.total;
  const label = `Daily usage from ${report.from} to ${report.to}: ${(total.inputTokens + total.outputTokens).toLocaleString('en-US')} tokens, ${formatUsd(total.costUsd)} in all.`;
  return (
    <svg
      className="gf-usage__chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      data-testid="gf-usage-chart"
    >
      <title>{label}</title>
      {series.map((d, i) =>
        d.tokens > 0 ? (
          <rect
            key={d.day}
            className="gf-usage__bar"
            data-day={d.day}
            x={x(i).toFixed(1)}
            y={yTokens(d.tokens).toFixed(1)}
            width={barWidth.toFixed(1)}
            height={(PAD.top + plotHeight - yTokens(d.tokens)).toFixed(1)}
          >
            <title>{`${d.day}: ${d.tokens.toLocaleString('en-US')} tokens, ${formatUsd(d.costUsd)}`}</title>
          </rect>
        ) : null,
      )}
      {maxCost > 0 && <path className="gf-usage__cost" d={line} data-testid="gf-usage-cost" />}
      <text className="gf-usage__axis" x={PAD.left - 4} y={PAD.top + 4} textAnchor="end">
        {formatTokens(maxTokens)}
      </text>
      <text className="gf-usage__axis" x={PAD.left - 4} y={PAD.top + plotHeight} textAnchor="end">
        0
      </text>
      {maxCost > 0 && (
        <text
          className="gf-usage__axis"
          x={width - PAD.right + 4}
          y={PAD.top + 4}
          textAnchor="start"
        >
          {formatUsd(maxCost)}
        </text>
      )}
      <text className="gf-usage__axis" x={PAD.left} y={height - 4} textAnchor="start">
        {report.from.slice(5)}
      </text>
      <text className="gf-usage__axis" x={width - PAD.right} y={height - 4} textAnchor="end">
        {report.to.slice(5)}
      </text>
    </svg>
  );
}
