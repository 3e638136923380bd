import { readFileSync } from 'node:fs';
import { createPrometheusMetrics } from '@galaxyflow/server-adapter/metrics';
import { describe, expect, it } from 'vitest';

interface Panel {
  title: string;
  targets: { expr: string }[];
}
const dashboard = JSON.parse(
  readFileSync(new URL('../grafana/galaxyflow-dashboard.json', import.meta.url), 'utf8'),
) as { panels: Panel[] };

describe('the Grafana dashboard', () => {
  // What the server exposes: every metric with its labels.
  const metrics = createPrometheusMetrics({ queueDepth: () => 0 });
  const exposed = new Map(
    metrics.registry
      .getMetricsAsArray()
      .map((metric) => [metric.name, new Set((metric as unknown as { labelNames: string[] }).labelNames)]),
  );

  it.each(dashboard.panels.map((panel) => [panel.title, panel] as const))(
    '"%s" queries metrics and labels the server exposes',
    (_title, panel) => {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const names = [...expr.matchAll(/\b(galaxyflow_\w+?)(?:_bucket|_count|_sum)?\b(?=[{[\s)])/g)].map((m) => m[1]!);
        expect(names.length, expr).toBeGreaterThan(0);
        for (const name of names) {
          const labels = exposed.get(name);
          expect(labels, `${name} in ${expr}`).toBeDefined();
          // Labels grouped by or matched on must exist (`le` is every histogram's).
          const used = [
            ...[...expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim())),
            ...[...expr.matchAll(/(\w+)=~?"/g)].map((m) => m[1]!),
          ].filter((label) => label !== 'le');
          for (const label of used) expect(labels!.has(label), `label ${label} of ${name} in ${expr}`).toBe(true);
        }
      }
    },
  );
});
