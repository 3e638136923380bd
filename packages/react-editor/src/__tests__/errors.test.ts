import { renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useEditorState } from '../hooks/useEditorState';
import {
  conflictOf,
  createMemoryClient,
  EditorError,
  editorErrorMessages,
  isConflictError,
  WorkflowConflictError,
} from '../index';

const workflow = { nodes: [], edges: [] };

describe('editor errors', () => {
  it('refuses a stale save with the server’s E_VERSION_CONFLICT, as a 409 naming the workflow', async () => {
    const client = createMemoryClient({ workflows: [{ id: 'w', version: 3, workflow }] });
    const error = await client
      .saveWorkflow({ id: 'w', workflow, expectedVersion: 2 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowConflictError);
    expect(error).toBeInstanceOf(EditorError);
    expect(error).toMatchObject({
      code: 'E_VERSION_CONFLICT',
      status: 409,
      currentVersion: 3,
      details: { workflowId: 'w', currentVersion: 3 },
    });
    expect(conflictOf(error)).toEqual({ currentVersion: 3 });
  });

  it('still recognises E_CONFLICT from older clients, and the server’s problem body', () => {
    expect(isConflictError({ code: 'E_CONFLICT' })).toBe(true);
    expect(conflictOf({ problem: { code: 'E_VERSION_CONFLICT', currentVersion: 5 } })).toEqual({
      currentVersion: 5,
    });
    expect(isConflictError({ code: 'E_WORKFLOW_NOT_FOUND', status: 404 })).toBe(false);
  });

  it('answers a missing workflow or run as the server does: a 404 with a code and the id', async () => {
    const client = createMemoryClient();
    await expect(client.getWorkflow('nope')).rejects.toMatchObject({
      code: 'E_WORKFLOW_NOT_FOUND',
      status: 404,
      details: { workflowId: 'nope' },
    });
    await expect(client.execute({ workflowId: 'nope' })).rejects.toMatchObject({
      code: 'E_WORKFLOW_NOT_FOUND',
    });
    await expect(client.getRun('r1')).rejects.toMatchObject({
      code: 'E_RUN_NOT_FOUND',
      status: 404,
      details: { runId: 'r1' },
    });
  });

  it('ends a run the in-memory client cannot execute with E_NO_RUNNER', async () => {
    const client = createMemoryClient();
    const { runId } = await client.execute({ nodes: [], edges: [] });
    const finish = await new Promise((resolve) => {
      client.subscribe(runId, (event) => {
        if (event.type === 'run:finish') resolve(event);
      });
    });
    expect(finish).toMatchObject({
      status: 'FAILED',
      error: { code: 'E_NO_RUNNER', message: editorErrorMessages.E_NO_RUNNER },
    });
  });

  it('tells a host that uses a hook outside the editor what to wrap it in', () => {
    const error = (() => {
      try {
        renderHook(() => useEditorState((state) => state.nodes));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toMatchObject({
      code: 'E_OUTSIDE_EDITOR',
      message: expect.stringContaining('<WorkflowEditorProvider>'),
    });
  });
});
