import { describe, expect, it } from 'vitest';
import type { ConditionInput } from '../conditions/conditions';
import { runWorkflow, startRun } from '../run';
import type { RunEvent, WorkflowEdge, WorkflowInput } from '../index';
import { createTrace, testRegistry } from './kit';

const statuses = (nodes: Record<string, { status: string }>) =>
  Object.fromEntries(Object.entries(nodes).map(([id, r]) => [id, r.status]));

const edge = (
  source: string,
  sourceHandle: string,
  target: string,
  targetHandle: string,
): WorkflowEdge => ({
  id: `${source}.${sourceHandle}-${target}.${targetHandle}`,
  source,
  sourceHandle,
  target,
  targetHandle,
});

/**
 * in (text) → If "Check" (text equals "go") → true: yes (debug) / false: no (debug) → Merge
 * "join" → out (debug). `after` adds a node after `no` to see skips go down the untaken path.
 */
function ifDiamond(
  text: string,
  options: { mergeMode?: 'all' | 'first'; conditions?: ConditionInput[] } = {},
): WorkflowInput {
  return {
    nodes: [
      { id: 'in', type: 'text', data: { text } },
      {
        id: 'check',
        type: 'if',
        data: {
          label: 'Check',
          conditions: options.conditions ?? [
            { left: '{{value}}', operator: 'equals', right: 'go' },
          ],
        },
      },
      { id: 'yes', type: 'debug' },
      { id: 'no', type: 'debug' },
      { id: 'after', type: 'debug' },
      { id: 'join', type: 'merge', data: { mode: options.mergeMode ?? 'all' } },
      { id: 'out', type: 'debug' },
    ],
    edges: [
      edge('in', 'text', 'check', 'value'),
      edge('check', 'true', 'yes', 'value'),
      edge('check', 'false', 'no', 'value'),
      edge('no', 'value', 'after', 'value'),
      edge('yes', 'value', 'join', 'values'),
      edge('after', 'value', 'join', 'values'),
      edge('join', 'value', 'out', 'value'),
    ],
  };
}

describe('branches: an output left unset is a branch not taken', () => {
  it('skips the untaken side with E_BRANCH_NOT_TAKEN, down the whole path, and the run is SUCCESS', async () => {
    const events: RunEvent[] = [];
    const result = await runWorkflow(ifDiamond('go'), {
      registry: testRegistry,
      onEvent: (e) => events.push(e),
    });
    expect(result.status).toBe('SUCCESS');
    expect(result.error).toBeUndefined();
    expect(statuses(result.nodes)).toEqual({
      in: 'SUCCESS',
      check: 'SUCCESS',
      yes: 'SUCCESS',
      no: 'SKIPPED',
      after: 'SKIPPED',
      join: 'SUCCESS',
      out: 'SUCCESS',
    });
    expect(result.nodes.check!.output).toEqual({ true: 'go' });
    // Both skips name the If that chose and the output it left unset, not the node in between.
    for (const id of ['no', 'after']) {
      expect(result.nodes[id]).toMatchObject({
        attempts: 0,
        skippedBecause: 'check',
        error: {
          code: 'E_BRANCH_NOT_TAKEN',
          nodeId: id,
          retryable: false,
          details: { branchNodeId: 'check', branchPort: 'false' },
        },
      });
      expect(result.nodes[id]!.error!.message).toContain('"Check"');
    }
    expect(result.nodes.join!.output).toEqual({ value: ['go'] });
    expect(result.nodes.out!.output).toEqual({ value: ['go'] });
    const skips = events.filter((e) => e.type === 'node:skip');
    expect(skips).toEqual([
      expect.objectContaining({
        type: 'node:skip',
        nodeId: 'no',
        code: 'E_BRANCH_NOT_TAKEN',
        skippedBecause: 'check',
      }),
      expect.objectContaining({
        type: 'node:skip',
        nodeId: 'after',
        code: 'E_BRANCH_NOT_TAKEN',
        skippedBecause: 'check',
      }),
    ]);
    // node:skip comes right before the skipped node's one node:finish, and nothing starts it.
    const noEvents = events.filter((e) => 'nodeId' in e && e.nodeId === 'no').map((e) => e.type);
    expect(noEvents).toEqual(['node:skip', 'node:finish']);
  });

  it('runs the other way when the condition does not hold', async () => {
    const result = await runWorkflow(ifDiamond('stop'), { registry: testRegistry });
    expect(result.status).toBe('SUCCESS');
    expect(statuses(result.nodes)).toMatchObject({
      yes: 'SKIPPED',
      no: 'SUCCESS',
      after: 'SUCCESS',
      join: 'SUCCESS',
    });
    expect(result.nodes.check!.output).toEqual({ false: 'stop' });
    expect(result.nodes.yes).toMatchObject({
      skippedBecause: 'check',
      error: { details: { branchPort: 'true' } },
    });
    expect(result.nodes.out!.output).toEqual({ value: ['stop'] });
  });

  it('keeps a branch skip apart from a fail_safe skip: the latter is a failure, the run PARTIAL', async () => {
    const wf = ifDiamond('go');
    // `yes` takes a step that always fails; its descendants are skipped for the failure.
    wf.nodes = wf.nodes.map((n) =>
      n.id === 'yes' ? { id: 'yes', type: 'step', data: { fail: true } } : n,
    );
    wf.edges = wf.edges.map((e) =>
      e.target === 'yes'
        ? { ...e, targetHandle: 'in' }
        : e.source === 'yes'
          ? { ...e, sourceHandle: 'out' }
          : e,
    );
    const events: RunEvent[] = [];
    const result = await runWorkflow(wf, {
      registry: testRegistry,
      failureMode: 'fail_safe',
      onEvent: (e) => events.push(e),
    });
    expect(result.status).toBe('PARTIAL');
    expect(result.error).toMatchObject({ code: 'E_NODE_FAILED', nodeId: 'yes' });
    expect(result.nodes.no).toMatchObject({
      status: 'SKIPPED',
      error: { code: 'E_BRANCH_NOT_TAKEN' },
      skippedBecause: 'check',
    });
    expect(result.nodes.join).toMatchObject({
      status: 'SKIPPED',
      error: { code: 'E_UPSTREAM_FAILED' },
      skippedBecause: 'yes',
    });
    const skipCodes = Object.fromEntries(
      events.flatMap((e) => (e.type === 'node:skip' ? [[e.nodeId, e.code]] : [])),
    );
    expect(skipCodes).toEqual({
      no: 'E_BRANCH_NOT_TAKEN',
      after: 'E_BRANCH_NOT_TAKEN',
      join: 'E_UPSTREAM_FAILED',
      out: 'E_UPSTREAM_FAILED',
    });
  });

  it('Merge in "first" mode gives the first taken value in edge order', async () => {
    const result = await runWorkflow(ifDiamond('stop', { mergeMode: 'first' }), {
      registry: testRegistry,
    });
    expect(result.nodes.join!.output).toEqual({ value: 'stop' });
  });

  it('fires a multiple input once, after every upstream settled, with the taken values in edge order', async () => {
    const trace = createTrace();
    // Switch in "all" mode takes both cases: a slow and a fast branch, then an untaken one.
    const wf: WorkflowInput = {
      nodes: [
        { id: 'in', type: 'text', data: { text: 'abc' } },
        {
          id: 'route',
          type: 'switch',
          data: {
            mode: 'all',
            cases: [
              { name: 'slow', left: '{{value}}', operator: 'starts_with', right: 'a' },
              { name: 'fast', left: '{{value}}', operator: 'contains', right: 'b' },
              { name: 'never', left: '{{value}}', operator: 'equals', right: 'zzz' },
            ],
          },
        },
        { id: 's', type: 'step', data: { ms: 40 } },
        { id: 'f', type: 'step' },
        { id: 'n', type: 'step' },
        { id: 'join', type: 'step' },
      ],
      edges: [
        edge('in', 'text', 'route', 'value'),
        edge('route', 'slow', 's', 'in'),
        edge('route', 'fast', 'f', 'in'),
        edge('route', 'never', 'n', 'in'),
        edge('s', 'out', 'join', 'in'),
        edge('n', 'out', 'join', 'in'),
        edge('f', 'out', 'join', 'in'),
      ],
    };
    const result = await runWorkflow(wf, { registry: testRegistry, context: { trace } });
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.route!.output).toEqual({ slow: 'abc', fast: 'abc' });
    expect(result.nodes.n).toMatchObject({
      status: 'SKIPPED',
      error: { code: 'E_BRANCH_NOT_TAKEN', details: { branchPort: 'never' } },
    });
    expect(trace.calls.get('join')).toBe(1);
    expect(trace.starts.indexOf('join')).toBeGreaterThan(trace.finishes.indexOf('s'));
    expect(result.nodes.join!.input).toEqual({ in: ['abc>s', 'abc>f'] });
  });

  it('Switch takes the first matching case, every matching case in "all" mode, and default when none matches', async () => {
    const route = (text: string, mode: 'first' | 'all'): WorkflowInput => ({
      nodes: [
        { id: 'in', type: 'text', data: { text } },
        {
          id: 'route',
          type: 'switch',
          data: {
            mode,
            caseSensitive: false,
            cases: [
              { name: 'refund', left: '{{value}}', operator: 'contains', right: 'REFUND' },
              { name: 'urgent', left: '{{value}}', operator: 'matches', right: '\\burgent\\b' },
            ],
          },
        },
        { id: 'r', type: 'debug' },
        { id: 'u', type: 'debug' },
        { id: 'd', type: 'debug' },
      ],
      edges: [
        edge('in', 'text', 'route', 'value'),
        edge('route', 'refund', 'r', 'value'),
        edge('route', 'urgent', 'u', 'value'),
        edge('route', 'default', 'd', 'value'),
      ],
    });
    const first = await runWorkflow(route('Urgent: a refund please', 'first'), {
      registry: testRegistry,
    });
    expect(statuses(first.nodes)).toMatchObject({ r: 'SUCCESS', u: 'SKIPPED', d: 'SKIPPED' });
    const all = await runWorkflow(route('Urgent: a refund please', 'all'), {
      registry: testRegistry,
    });
    expect(statuses(all.nodes)).toMatchObject({ r: 'SUCCESS', u: 'SUCCESS', d: 'SKIPPED' });
    const none = await runWorkflow(route('hello', 'first'), { registry: testRegistry });
    expect(statuses(none.nodes)).toMatchObject({ r: 'SKIPPED', u: 'SKIPPED', d: 'SUCCESS' });
    expect(none.status).toBe('SUCCESS');
  });

  it('runs a node whose optional input is untaken when another edge brought a value', async () => {
    const wf: WorkflowInput = {
      nodes: [
        { id: 'in', type: 'text', data: { text: 'x' } },
        {
          id: 'check',
          type: 'if',
          data: { conditions: [{ left: '{{value}}', operator: 'is_empty' }] },
        },
        { id: 'j', type: 'step' },
      ],
      edges: [
        edge('in', 'text', 'j', 'in'),
        edge('in', 'text', 'check', 'value'),
        edge('check', 'true', 'j', 'in'),
      ],
    };
    const result = await runWorkflow(wf, { registry: testRegistry });
    expect(result.nodes.j).toMatchObject({ status: 'SUCCESS', input: { in: ['x'] } });
  });

  it('reuses a recorded branch decision and skips the same nodes again; a changed input decides afresh', async () => {
    const first = await runWorkflow(ifDiamond('go'), { registry: testRegistry });
    const again = await runWorkflow(ifDiamond('go'), {
      registry: testRegistry,
      reuse: { nodes: first.nodes },
    });
    expect(again.status).toBe('SUCCESS');
    expect(again.nodes.check).toMatchObject({
      status: 'SUCCESS',
      reused: true,
      output: { true: 'go' },
    });
    expect(again.nodes.yes!.reused).toBe(true);
    expect(statuses(again.nodes)).toEqual(statuses(first.nodes));
    expect(again.nodes.no).toMatchObject({
      skippedBecause: 'check',
      error: { code: 'E_BRANCH_NOT_TAKEN' },
    });
    const flipped = await runWorkflow(ifDiamond('stop'), {
      registry: testRegistry,
      reuse: { nodes: first.nodes },
    });
    expect(flipped.nodes.check!.reused).toBeUndefined();
    expect(statuses(flipped.nodes)).toMatchObject({
      yes: 'SKIPPED',
      no: 'SUCCESS',
      after: 'SUCCESS',
    });
    expect(flipped.nodes.out!.output).toEqual({ value: ['stop'] });
  });

  it('resumes from a snapshot that holds branch skips: they stay, and what depends on them goes on', async () => {
    const done = await runWorkflow(ifDiamond('go'), { registry: testRegistry, runId: 'r-branch' });
    // As a store would rebuild it after a crash once `join` and `out` had not ended.
    const { join: _j, out: _o, ...kept } = done.nodes;
    const events: RunEvent[] = [];
    const resumed = await runWorkflow(ifDiamond('go'), {
      registry: testRegistry,
      resume: {
        runId: 'r-branch',
        status: 'RUNNING',
        startedAt: done.startedAt,
        nodes: kept,
        logs: [],
      },
      onEvent: (e) => events.push(e),
    });
    expect(resumed.status).toBe('SUCCESS');
    expect(statuses(resumed.nodes)).toEqual(statuses(done.nodes));
    expect(resumed.nodes.join!.output).toEqual({ value: ['go'] });
    // Kept skips are not announced again.
    expect(events.some((e) => e.type === 'node:skip')).toBe(false);
  });

  it('a partial run targeting a node on the untaken side skips it and succeeds', async () => {
    const result = await runWorkflow(ifDiamond('go'), {
      registry: testRegistry,
      targetNodeIds: ['after'],
    });
    expect(Object.keys(result.nodes).sort()).toEqual(['after', 'check', 'in', 'no']);
    expect(result.status).toBe('SUCCESS');
    expect(result.nodes.after).toMatchObject({ status: 'SKIPPED', skippedBecause: 'check' });
  });

  it('emits the same node:skip events through the handle as through onEvent', async () => {
    const seen: RunEvent[] = [];
    const handle = startRun(ifDiamond('stop'), { registry: testRegistry });
    handle.events.on('node:skip', (e) => seen.push(e));
    await handle.result;
    expect(seen.map((e) => (e.type === 'node:skip' ? e.nodeId : ''))).toEqual(['yes']);
  });
});
