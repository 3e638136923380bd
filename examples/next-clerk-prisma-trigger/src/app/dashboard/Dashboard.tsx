'use client';

import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { WorkflowEditor } from '@galaxyflow/react-editor';
import { createGalaxyClient, type GalaxyClient } from '@galaxyflow/server-adapter/client';
import { useCallback, useEffect, useMemo, useState } from 'react';

const registry = createRegistry(builtinNodes);

interface WorkflowRow {
  id: string;
  name: string;
}

export interface DashboardProps {
  /**
   * A bearer token for each API request, or null to rely on the session cookie alone. With
   * Clerk, a fresh session token on every request and stream reconnect: Clerk's session tokens
   * live about a minute, while an editor tab stays open for hours.
   */
  getToken: () => Promise<string | null>;
}

/** The signed-in user's workflows beside the editor of the one they opened. */
export function Dashboard({ getToken }: DashboardProps) {
  const client: GalaxyClient = useMemo(
    () =>
      createGalaxyClient({
        baseUrl: '/api',
        headers: async (): Promise<Record<string, string>> => {
          const token = await getToken();
          return token ? { authorization: `Bearer ${token}` } : {};
        },
      }),
    [getToken],
  );
  const [workflows, setWorkflows] = useState<WorkflowRow[]>([]);
  const [openId, setOpenId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const page = await client.workflows.list({ limit: 50 });
      setWorkflows(page.items.map(({ id, name }) => ({ id, name })));
      setError(null);
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : String(cause));
    }
  }, [client]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const create = async () => {
    try {
      const created = await client.workflows.create({
        name: 'Untitled workflow',
        nodes: [],
        edges: [],
      });
      await reload();
      setOpenId(created.id);
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : String(cause));
    }
  };

  return (
    <div className="workspace">
      <nav className="workflow-list" aria-label="Workflows">
        <button type="button" onClick={create}>
          New workflow
        </button>
        {error ? <p role="alert">{error}</p> : null}
        <ul>
          {workflows.map((workflow) => (
            <li key={workflow.id}>
              <button
                type="button"
                aria-current={workflow.id === openId ? 'page' : undefined}
                onClick={() => setOpenId(workflow.id)}
              >
                {workflow.name}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <section className="workspace-editor">
        {openId ? (
          <WorkflowEditor
            key={openId}
            registry={registry}
            client={client}
            workflowId={openId}
            theme="system"
            onSave={() => void reload()}
          />
        ) : (
          <p className="page">Open a workflow, or start a new one.</p>
        )}
      </section>
    </div>
  );
}
