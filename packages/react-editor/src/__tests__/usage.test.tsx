import type { RunSnapshot, UsageRow } from '@galaxyflow/engine';
import { render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createMemoryClient, type ScriptedEvent } from '../client/createMemoryClient';
import { UsageChart } from '../components/UsageChart';
import { formatDuration, formatTokens, formatUsd } from '../store/usageFormat';
import { chain, nodeElement, registry, renderEditor } from './kit';

const GROQ = { provider: 'groq', model: 'llama-3.3-70b-versatile' };

function meteredScript(): ScriptedEvent[] {
  return [
    { type: 'run:start', nodeIds: ['topic', 'prompt', 'show'] },
    {
      type: 'node:finish',
      nodeId: 'topic',
      result: { status: 'SUCCESS', attempts: 1, durationMs: 3, output: { text: 'Saturn' } },
    },
    {
      type: 'node:finish',
      nodeId: 'prompt',
      result: {
        status: 'SUCCESS',
        attempts: 1,
        durationMs: 1_234,
        finishedAt: Date.now(),
        output: { text: 'Facts about Saturn' },
        meta: {
          ...GROQ,
          usage: { inputTokens: 1_000, outputTokens: 234, totalTokens: 1_234 },
          costUsd: 0.00077486,
        },
      },
    },
    {
      type: 'node:finish',
      nodeId: 'show',
      result: {
        status: 'SUCCESS',
        attempts: 1,
        durationMs: 40,
        output: { value: 'x' },
        meta: {
          provider: 'local',
          model: 'mine',
          usage: { inputTokens: 5, outputTokens: 8, estimated: true },
        },
      },
    },
    { type: 'run:finish', status: 'SUCCESS', durationMs: 1_300 },
  ];
}

describe('figures a user sees', () => {
  it('formats durations, tokens and dollars compactly', () => {
    expect([formatDuration(850), formatDuration(1_234), formatDuration(125_000)]).toEqual([
      '850 ms',
      '1.2 s',
      '2 min 5 s',
    ]);
    expect([
      formatTokens(850),
      formatTokens(1_234),
      formatTokens(56_789),
      formatTokens(1_250_000),
    ]).toEqual(['850', '1.2k', '57k', '1.3M']);
    expect([formatUsd(0), formatUsd(0.00077486), formatUsd(0.0123), formatUsd(12.5)]).toEqual([
      '$0',
      '$0.00077',
      '$0.012',
      '$12.50',
    ]);
  });

  it('shows each finished node’s duration, tokens and cost, and marks estimates', async () => {
    const client = createMemoryClient({ registry, script: () => meteredScript() });
    const { user, container } = renderEditor({ initialWorkflow: chain, client });
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    await user.click(run);
    await screen.findByText('Run succeeded');
    const prompt = within(nodeElement(container, 'prompt')).getByTestId('gf-node-figures');
    expect(prompt).toHaveTextContent('1.2 s · 1.2k tokens · $0.00077');
    expect(prompt).toHaveAttribute('title', expect.stringContaining('1,000 in + 234 out'));
    // A plain node shows its time only; a model the server does not price shows no cost.
    expect(
      within(nodeElement(container, 'topic')).getByTestId('gf-node-figures'),
    ).toHaveTextContent(/^3 ms$/);
    const show = within(nodeElement(container, 'show')).getByTestId('gf-node-figures');
    expect(show).toHaveTextContent(/^40 ms · ~13 tokens$/);
    expect(show.getAttribute('title')).toContain('estimated');
  });

  it('lists each run’s duration, tokens, cost and who answered in the history', async () => {
    const runs: RunSnapshot[] = [
      {
        runId: 'run_1',
        workflowId: 'wf',
        status: 'SUCCESS',
        startedAt: Date.UTC(2025, 0, 1),
        durationMs: 2_500,
        usage: {
          inputTokens: 12_000,
          outputTokens: 3_456,
          costUsd: 0.0421,
          calls: 3,
          estimated: false,
          models: [GROQ, { provider: 'gemini', model: 'gemini-2.5-flash' }],
        },
        nodes: {},
        logs: [],
      },
    ];
    const client = createMemoryClient({
      registry,
      workflows: [{ id: 'wf', version: 1, workflow: chain }],
      runs,
    });
    const { user } = renderEditor({ client, workflowId: 'wf', draftKey: false });
    await user.click(await screen.findByRole('button', { name: 'History' }));
    const history = await screen.findByRole('complementary', { name: 'Run history' });
    const row = (
      await within(history).findByRole('button', { name: 'success: open run run_1' })
    ).closest('tr')!;
    const cells = within(row)
      .getAllByRole('cell')
      .map((cell) => cell.textContent);
    expect(cells.slice(2)).toEqual([
      '2.5 s',
      '15k',
      '$0.042',
      'groq · llama-3.3-70b-versatile, gemini · gemini-2.5-flash',
    ]);
  });
});

describe('the usage view', () => {
  const today = new Date().toISOString().slice(0, 10);
  const daysAgo = (n: number) =>
    new Date(Date.parse(`${today}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
  const seed: UsageRow[] = [
    {
      day: daysAgo(40),
      inputTokens: 99_999,
      outputTokens: 0,
      costUsd: 9,
      calls: 1,
      estimatedCalls: 0,
    },
    {
      day: daysAgo(10),
      ...GROQ,
      workflowId: 'wf',
      inputTokens: 4_000,
      outputTokens: 1_000,
      costUsd: 0.5,
      calls: 2,
      estimatedCalls: 0,
    },
    {
      day: daysAgo(2),
      ...GROQ,
      workflowId: 'wf',
      inputTokens: 1_500,
      outputTokens: 500,
      costUsd: 0.25,
      calls: 1,
      estimatedCalls: 0,
    },
  ];

  it('opens from the More menu with a chart of the last 30 days, counting new runs', async () => {
    const client = createMemoryClient({
      registry,
      script: () => meteredScript(),
      usage: seed,
      budgets: [
        { limit: 'dailyTokens', max: 100_000, used: 1_247, resetsAt: Date.UTC(2030, 0, 1) },
      ],
    });
    const { user } = renderEditor({ initialWorkflow: chain, client });
    await user.click(screen.getByLabelText('More actions'));
    await user.click(screen.getByRole('button', { name: 'Usage' }));
    const panel = await screen.findByRole('complementary', { name: 'Usage' });
    // The day 40 days ago is outside the period.
    await within(panel).findByText('7,000 tokens');
    expect(panel).toHaveTextContent('$0.750 in 3 model calls');
    const chart = within(panel).getByTestId('gf-usage-chart');
    expect([...chart.querySelectorAll('rect')].map((bar) => bar.getAttribute('data-day'))).toEqual([
      daysAgo(10),
      daysAgo(2),
    ]);
    expect(within(panel).getByTestId('gf-usage-cost')).toBeInTheDocument();
    expect(within(panel).getByRole('list', { name: 'Limits' })).toHaveTextContent(
      'Today: 1.2k tokens of 100k tokens',
    );

    const run = screen.getByRole('button', { name: 'Run' });
    await user.click(run);
    await screen.findByText('Run succeeded');
    // The run's two model calls join today's bar.
    await within(panel).findByText('8,247 tokens');
    const bars = [...within(panel).getByTestId('gf-usage-chart').querySelectorAll('rect')];
    expect(bars.map((bar) => bar.getAttribute('data-day'))).toEqual([
      daysAgo(10),
      daysAgo(2),
      today,
    ]);
    expect(bars[2]?.textContent).toBe(`${today}: 1,247 tokens, $0.00077`);
  });

  it('draws a bar per day with tokens, tallest for the busiest day, and no cost line when nothing cost anything', () => {
    const report = {
      from: '2025-01-01',
      to: '2025-01-03',
      groupBy: 'day' as const,
      rows: [
        {
          day: '2025-01-01',
          inputTokens: 50,
          outputTokens: 50,
          costUsd: 0,
          calls: 1,
          estimatedCalls: 0,
        },
        {
          day: '2025-01-03',
          inputTokens: 100,
          outputTokens: 100,
          costUsd: 0,
          calls: 1,
          estimatedCalls: 0,
        },
      ],
      total: { inputTokens: 150, outputTokens: 150, costUsd: 0, calls: 2, estimatedCalls: 0 },
      pricesAsOf: '2025-09-01',
      budgets: [],
    };
    const { container } = render(<UsageChart report={report} />);
    const bars = [...container.querySelectorAll('rect')];
    expect(bars).toHaveLength(2);
    expect(Number(bars[1]!.getAttribute('height'))).toBeCloseTo(
      2 * Number(bars[0]!.getAttribute('height')),
      0,
    );
    expect(container.querySelector('path')).toBeNull();
    expect(screen.getByRole('img')).toHaveAccessibleName(/300 tokens, \$0 in all/);
  });

  it('offers no Usage view with a client that cannot report usage', async () => {
    const { usage: _usage, ...client } = createMemoryClient({ registry });
    const { user } = renderEditor({ initialWorkflow: chain, client });
    await user.click(screen.getByLabelText('More actions'));
    expect(screen.queryByRole('button', { name: 'Usage' })).toBeNull();
  });
});
