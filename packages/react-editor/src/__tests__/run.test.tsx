import type { RunEvent } from '@galaxyflow/engine';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { createMemoryClient, type ScriptedEvent } from '../client/createMemoryClient';
import type { RunSnapshot } from '@galaxyflow/engine';
import { applyRunEvent, runViewFromSnapshot } from '../store/runReducer';
import type { RunView } from '../types';
import { chain, nodeElement, registry, renderEditor } from './kit';

function streamingScript(afterMs = 15): ScriptedEvent[] {
  return [
    { type: 'run:start', nodeIds: ['topic', 'prompt', 'show'] },
    { type: 'node:start', nodeId: 'topic', nodeType: 'text', attempt: 1 },
    { type: 'node:finish', nodeId: 'topic', result: { status: 'SUCCESS', attempts: 1, output: { text: 'Saturn' } }, afterMs },
    { type: 'node:start', nodeId: 'prompt', nodeType: 'template', attempt: 1 },
    { type: 'node:delta', nodeId: 'prompt', delta: 'Facts ', afterMs },
    { type: 'node:delta', nodeId: 'prompt', delta: 'about ', afterMs },
    { type: 'node:delta', nodeId: 'prompt', delta: 'Saturn', afterMs: 400 },
    { type: 'node:finish', nodeId: 'prompt', result: { status: 'SUCCESS', attempts: 1, output: { text: 'Facts about Saturn' } }, afterMs: 400 },
    { type: 'node:start', nodeId: 'show', nodeType: 'debug', attempt: 1 },
    { type: 'node:finish', nodeId: 'show', result: { status: 'SUCCESS', attempts: 1, output: { value: 'Facts about Saturn' } }, afterMs },
    { type: 'run:finish', status: 'SUCCESS', durationMs: 900 },
  ];
}

describe('live runs', () => {
  it('paints statuses and streamed tokens as events arrive, then the final outputs', async () => {
    const client = createMemoryClient({ registry, script: () => streamingScript() });
    const onRunFinish = vi.fn();
    const { user, container } = renderEditor({ initialWorkflow: chain, client, onRunFinish });
    const run = screen.getByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    await user.click(run);

    const prompt = within(nodeElement(container, 'prompt'));
    const stream = await prompt.findByRole('log', { name: 'Streaming output' });
    await waitFor(() => expect(stream).toHaveTextContent('Facts about'));
    expect(prompt.getByText('Running')).toBeInTheDocument();
    expect(within(nodeElement(container, 'show')).getByText('Queued')).toBeInTheDocument();
    // Data flows into the running node: its incoming edge is animated.
    expect(container.querySelector('.gf-edge--active')).not.toBeNull();
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeInTheDocument();

    await screen.findByText('Run succeeded', {}, { timeout: 5_000 });
    expect(within(nodeElement(container, 'show')).getByText('Done')).toBeInTheDocument();
    expect(within(nodeElement(container, 'show')).getByRole('region', { name: 'Output' })).toHaveTextContent('Facts about Saturn');
    expect(container.querySelector('.gf-edge--active')).toBeNull();
    expect(onRunFinish).toHaveBeenCalledWith(expect.objectContaining({ phase: 'SUCCESS' }));
  });

  it('keeps the text a node streamed before Cancel, marked partial', async () => {
    const client = createMemoryClient({ registry, script: () => streamingScript() });
    const { user, container } = renderEditor({ initialWorkflow: chain, client });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Run' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Run' }));
    const prompt = within(nodeElement(container, 'prompt'));
    await waitFor(() => expect(prompt.getByRole('log', { name: 'Streaming output' })).toHaveTextContent('Facts about'));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await screen.findByText('Run canceled');
    expect(prompt.getByText('Canceled')).toBeInTheDocument();
    expect(prompt.getByRole('region', { name: 'Partial output' })).toHaveTextContent('Facts about');
    expect(prompt.getByText(/^Partial: /)).toBeInTheDocument();
    expect(prompt.queryByRole('region', { name: 'Output' })).toBeNull();
  });

  it('cancels a run: unfinished nodes end canceled and the server is told', async () => {
    const client = createMemoryClient({ registry, script: () => streamingScript(5_000) });
    const { user, container } = renderEditor({ initialWorkflow: chain, client });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Run' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Run' }));
    await within(nodeElement(container, 'topic')).findByText('Running');
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await screen.findByText('Run canceled');
    expect(within(nodeElement(container, 'topic')).getByText('Canceled')).toBeInTheDocument();
    expect(client.calls.some((call) => call.method === 'cancel')).toBe(true);
  });

  it('shows a failed node’s error detail with code, attempts and its logs', async () => {
    const error = { code: 'E_RATE_LIMITED', message: 'Too many requests.', retryable: true, nodeId: 'prompt' };
    const client = createMemoryClient({
      registry,
      script: () => [
        { type: 'run:start', nodeIds: ['topic', 'prompt', 'show'] },
        { type: 'node:finish', nodeId: 'topic', result: { status: 'SUCCESS', attempts: 1, output: { text: 'Saturn' } } },
        { type: 'node:start', nodeId: 'prompt', nodeType: 'template', attempt: 1 },
        { type: 'node:retry', nodeId: 'prompt', attempt: 1, delayMs: 10, error },
        { type: 'log', entry: { at: 1, level: 'warn', message: 'provider said 429', nodeId: 'prompt' } },
        { type: 'node:start', nodeId: 'prompt', nodeType: 'template', attempt: 2 },
        { type: 'node:finish', nodeId: 'prompt', result: { status: 'FAILED', attempts: 2, error } },
        { type: 'node:finish', nodeId: 'show', result: { status: 'SKIPPED', attempts: 0, skippedBecause: 'prompt' } },
        { type: 'run:finish', status: 'FAILED', durationMs: 40, error },
      ],
    });
    const { user, container } = renderEditor({ initialWorkflow: chain, client });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Run' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Run' }));
    await screen.findByText('Run failed');
    expect(within(nodeElement(container, 'show')).getByText('Skipped because "Template" failed.')).toBeInTheDocument();

    await user.click(within(nodeElement(container, 'prompt')).getByRole('button', { name: 'Error details' }));
    const panel = screen.getByRole('complementary', { name: 'Error in Template' });
    expect(panel).toHaveTextContent('E_RATE_LIMITED');
    expect(panel).toHaveTextContent('Too many requests.');
    expect(within(panel).getByText('Attempts').nextElementSibling).toHaveTextContent('2');
    expect(panel).toHaveTextContent('provider said 429');
  });

  it('runs a real workflow through the engine, then "run to here" reruns only what it needs', async () => {
    const client = createMemoryClient({ registry });
    const { user, container } = renderEditor({ initialWorkflow: chain, client });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Run' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Run' }));
    await screen.findByText('Run succeeded');
    expect(within(nodeElement(container, 'show')).getByRole('region', { name: 'Output' })).toHaveTextContent('Facts about Saturn');

    await user.click(within(nodeElement(container, 'prompt')).getByRole('button', { name: 'Run to here: Template' }));
    await waitFor(() => expect(client.calls.filter((call) => call.method === 'execute')).toHaveLength(2));
    const request = client.calls.filter((call) => call.method === 'execute')[1]!.args[0] as Record<string, unknown>;
    expect(request.targetNodeIds).toEqual(['prompt']);
    expect(request.reuseRunId).toMatch(/^run_/);
    await screen.findByText('Run succeeded');
    // The unchanged upstream output was reused, and the node after the target kept its last output.
    expect(within(nodeElement(container, 'topic')).getByText('Reused')).toBeInTheDocument();
    expect(within(nodeElement(container, 'show')).getByRole('region', { name: 'Output' })).toHaveTextContent('Facts about Saturn');
  });
});

describe('who answered', () => {
  const answered = {
    provider: 'gemini',
    model: 'gemini-2.5-flash',
    attempts: 1,
    fallbacks: [
      { provider: 'groq', model: 'llama-3.3-70b-versatile', attempts: 3, code: 'E_PROVIDER_UNAVAILABLE', message: 'Groq is overloaded.' },
    ],
  };
  const invalid = { code: 'E_INVALID_OUTPUT', message: 'The answer is not JSON.', retryable: false, nodeId: 'prompt' };

  it('captions a live output with the provider and model, and lists the fallbacks in the error detail', async () => {
    const client = createMemoryClient({
      registry,
      script: (input) =>
        input.reuseRunId
          ? [
              { type: 'run:start', nodeIds: ['prompt'] },
              { type: 'node:start', nodeId: 'prompt', nodeType: 'template', attempt: 1 },
              { type: 'node:finish', nodeId: 'prompt', result: { status: 'FAILED', attempts: 1, error: invalid, meta: answered } },
              { type: 'run:finish', status: 'FAILED', durationMs: 5, error: invalid },
            ]
          : [
              { type: 'run:start', nodeIds: ['topic', 'prompt', 'show'] },
              { type: 'node:finish', nodeId: 'topic', result: { status: 'SUCCESS', attempts: 1, output: { text: 'Saturn' } } },
              { type: 'node:start', nodeId: 'prompt', nodeType: 'template', attempt: 1 },
              { type: 'node:finish', nodeId: 'prompt', result: { status: 'SUCCESS', attempts: 1, output: { text: 'Rings.' }, meta: answered } },
              { type: 'node:finish', nodeId: 'show', result: { status: 'SUCCESS', attempts: 1, output: { value: 'Rings.' } } },
              { type: 'run:finish', status: 'SUCCESS', durationMs: 9 },
            ],
    });
    const { user, container } = renderEditor({ initialWorkflow: chain, client });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Run' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Run' }));
    await screen.findByText('Run succeeded');
    const output = within(nodeElement(container, 'prompt')).getByRole('region', { name: 'Output' });
    expect(output).toHaveTextContent(/^Rings\.$/);
    expect(within(nodeElement(container, 'prompt')).getByText(/gemini · gemini-2\.5-flash/)).toHaveTextContent(
      'Answered by gemini · gemini-2.5-flash, after groq failed',
    );
    // Nodes that report nothing get no caption.
    expect(within(nodeElement(container, 'topic')).getByRole('region', { name: 'Output' })).toBeInTheDocument();
    expect(within(nodeElement(container, 'topic')).queryByText(/Answered by/)).toBeNull();

    await user.click(within(nodeElement(container, 'prompt')).getByRole('button', { name: 'Run to here: Template' }));
    await screen.findByText('Run failed');
    await user.click(within(nodeElement(container, 'prompt')).getByRole('button', { name: 'Error details' }));
    const panel = screen.getByRole('complementary', { name: 'Error in Template' });
    expect(within(panel).getByText('Answered by').nextElementSibling).toHaveTextContent('gemini · gemini-2.5-flash');
    const tried = within(within(panel).getByText('Fallbacks tried').nextElementSibling as HTMLElement).getAllByRole('listitem');
    expect(tried.map((item) => item.textContent)).toEqual(['groq · llama-3.3-70b-versatile E_PROVIDER_UNAVAILABLE']);
    expect(tried[0]).toHaveAttribute('title', 'Groq is overloaded.');
  });

  it('shows who answered in a run opened from the history, and nothing for a node that never said', async () => {
    const runs: RunSnapshot[] = [
      {
        runId: 'run_meta',
        workflowId: 'wf',
        status: 'FAILED',
        startedAt: Date.UTC(2025, 0, 1),
        durationMs: 10,
        nodes: {
          topic: { status: 'SUCCESS', attempts: 1, output: { text: 'Saturn' }, meta: { provider: 'groq', model: 'llama-3.3-70b-versatile', fallbacks: [] } },
          prompt: { status: 'FAILED', attempts: 1, error: { ...invalid, retryable: false }, meta: answered },
          show: { status: 'SKIPPED', attempts: 0, skippedBecause: 'prompt' },
        },
        logs: [],
      },
      {
        runId: 'run_plain',
        workflowId: 'wf',
        status: 'FAILED',
        startedAt: Date.UTC(2025, 0, 1) - 60_000,
        nodes: { prompt: { status: 'FAILED', attempts: 1, error: invalid } },
        logs: [],
      },
    ];
    const client = createMemoryClient({ registry, workflows: [{ id: 'wf', version: 1, workflow: chain }], runs });
    const { user, container } = renderEditor({ client, workflowId: 'wf', draftKey: false });
    await user.click(await screen.findByRole('button', { name: 'History' }));
    const history = await screen.findByRole('complementary', { name: 'Run history' });
    await user.click(await within(history).findByRole('button', { name: 'failed: open run run_meta' }));
    await screen.findByText(/Past run/);
    expect(within(nodeElement(container, 'topic')).getByRole('region', { name: 'Output' })).toHaveTextContent(/^Saturn$/);
    expect(within(nodeElement(container, 'topic')).getByText(/groq · llama/)).toHaveTextContent(
      'Answered by groq · llama-3.3-70b-versatile',
    );
    await user.click(within(nodeElement(container, 'prompt')).getByRole('button', { name: 'Error details' }));
    const panel = screen.getByRole('complementary', { name: 'Error in Template' });
    expect(within(panel).getByText('Answered by').nextElementSibling).toHaveTextContent('gemini · gemini-2.5-flash');
    expect(within(panel).getByText('Fallbacks tried')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'History' }));
    const again = await screen.findByRole('complementary', { name: 'Run history' });
    await user.click(await within(again).findByRole('button', { name: 'failed: open run run_plain' }));
    await waitFor(() => expect(within(nodeElement(container, 'topic')).queryByRole('region', { name: 'Output' })).toBeNull());
    await user.click(within(nodeElement(container, 'prompt')).getByRole('button', { name: 'Error details' }));
    const plain = screen.getByRole('complementary', { name: 'Error in Template' });
    expect(plain).toHaveTextContent('E_INVALID_OUTPUT');
    expect(within(plain).queryByText('Answered by')).toBeNull();
    expect(within(plain).queryByText('Fallbacks tried')).toBeNull();
  });
});

describe('run history', () => {
  it('lists past runs by page and paints an opened run onto the canvas', async () => {
    const runs: RunSnapshot[] = Array.from({ length: 12 }, (_, i) => ({
      runId: `run_${i}`,
      workflowId: 'wf',
      status: i === 0 ? 'FAILED' : 'SUCCESS',
      startedAt: Date.UTC(2025, 0, 1) + (12 - i) * 60_000,
      durationMs: 1_000 + i,
      nodes: {
        topic: { status: 'SUCCESS', attempts: 1, output: { text: `old ${i}` } },
        prompt: i === 0
          ? { status: 'FAILED', attempts: 3, error: { code: 'E_TIMEOUT', message: 'Too slow.', retryable: true } }
          : { status: 'SUCCESS', attempts: 1, output: { text: `result ${i}` } },
      },
      logs: [],
    }));
    const client = createMemoryClient({ registry, workflows: [{ id: 'wf', version: 1, workflow: chain }], runs });
    const { user, container } = renderEditor({ client, workflowId: 'wf', draftKey: false });
    await user.click(await screen.findByRole('button', { name: 'History' }));
    const panel = await screen.findByRole('complementary', { name: 'Run history' });
    const rows = await within(panel).findAllByRole('button', { name: /open run/ });
    expect(rows).toHaveLength(10);
    expect(within(panel).getByText('Page 1 of 2')).toBeInTheDocument();
    await user.click(within(panel).getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(within(panel).getAllByRole('button', { name: /open run/ })).toHaveLength(2));

    await user.click(within(panel).getByRole('button', { name: 'Newer' }));
    await user.click(await within(panel).findByRole('button', { name: 'failed: open run run_0' }));
    await screen.findByText(/Past run/);
    expect(within(nodeElement(container, 'prompt')).getByText('Failed')).toBeInTheDocument();
    expect(within(nodeElement(container, 'prompt')).getByText('Too slow.')).toBeInTheDocument();
    expect(within(nodeElement(container, 'topic')).getByRole('region', { name: 'Output' })).toHaveTextContent('old 0');
  });
});

describe('run event reducer', () => {
  const start: RunView = { runId: 'r1', origin: 'live', phase: 'starting', nodes: {}, logs: [] };
  const events: RunEvent[] = [
    { type: 'run:start', runId: 'r1', at: 1, nodeIds: ['a', 'b'] },
    { type: 'node:start', runId: 'r1', at: 2, nodeId: 'a', nodeType: 'text', attempt: 1 },
    { type: 'node:delta', runId: 'r1', at: 3, nodeId: 'a', delta: 'he' },
    { type: 'node:delta', runId: 'r1', at: 4, nodeId: 'a', delta: 'llo' },
    { type: 'node:delta', runId: 'other', at: 4, nodeId: 'a', delta: 'NOISE' },
  ];

  it('accumulates streamed tokens of this run only, and is deterministic', () => {
    const once = events.reduce(applyRunEvent, start);
    const again = events.reduce(applyRunEvent, start);
    expect(once.nodes.a).toEqual({ status: 'running', attempt: 1, streamed: 'hello' });
    expect(once).toEqual(again);
    expect(once.nodes.b!.status).toBe('queued');
  });

  it('keeps what a finished node reported (meta), from live events and from a stored record', () => {
    const meta = { provider: 'gemini', model: 'gemini-2.5-flash', attempts: 1, fallbacks: [] };
    const finished = applyRunEvent(events.reduce(applyRunEvent, start), {
      type: 'node:finish',
      runId: 'r1',
      at: 5,
      nodeId: 'a',
      result: { status: 'SUCCESS', attempts: 1, output: { text: 'hello' }, meta },
    });
    expect(finished.nodes.a?.meta).toEqual(meta);
    // A new attempt starts without the last one's facts.
    const rerun = applyRunEvent(finished, { type: 'node:start', runId: 'r1', at: 6, nodeId: 'a', nodeType: 'text', attempt: 2 });
    expect(rerun.nodes.a).not.toHaveProperty('meta');
    const stored = runViewFromSnapshot({
      runId: 'r1',
      status: 'SUCCESS',
      nodes: { a: { status: 'SUCCESS', attempts: 1, meta }, b: { status: 'SUCCESS', attempts: 1 } },
      logs: [],
    });
    expect(stored.nodes.a?.meta).toEqual(meta);
    expect(stored.nodes.b).not.toHaveProperty('meta');
  });

  it('after a resume, shows kept nodes as they ended and the rest waiting again', () => {
    const finishedA = applyRunEvent(events.reduce(applyRunEvent, start), {
      type: 'node:finish',
      runId: 'r1',
      at: 5,
      nodeId: 'a',
      result: { status: 'SUCCESS', attempts: 1, output: { text: 'hello' } },
    });
    const bStarted = applyRunEvent(finishedA, { type: 'node:start', runId: 'r1', at: 6, nodeId: 'b', nodeType: 'text', attempt: 1 });
    const resumed = applyRunEvent(bStarted, { type: 'run:resume', runId: 'r1', at: 9, nodeIds: ['a', 'b'], keptNodeIds: ['a'] });
    expect(resumed.phase).toBe('running');
    expect(resumed.startedAt).toBe(1);
    expect(resumed.nodes.a).toMatchObject({ status: 'success', output: { text: 'hello' } });
    expect(resumed.nodes.b!.status).toBe('queued');
  });

  it('marks nodes the run never reached as canceled when it ends', () => {
    const ended = applyRunEvent(events.reduce(applyRunEvent, start), {
      type: 'run:finish',
      runId: 'r1',
      at: 9,
      status: 'CANCELED',
      durationMs: 8,
    });
    expect(ended.phase).toBe('CANCELED');
    expect(ended.nodes.a!.status).toBe('canceled');
    expect(ended.nodes.b!.status).toBe('canceled');
  });
});
