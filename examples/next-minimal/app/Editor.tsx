'use client';

import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { WorkflowEditor } from '@galaxyflow/react-editor';
import {
  createGalaxyClient,
  GalaxyApiError,
  type GalaxyClient,
} from '@galaxyflow/server-adapter/client';
import { type FormEvent, useEffect, useMemo, useState } from 'react';

const registry = createRegistry(builtinNodes);
const TOKEN_KEY = 'galaxyflow.token';

/** What a new user finds: Text -> Debug, ready to run. */
const helloWorkflow = {
  name: 'Hello',
  nodes: [
    {
      id: 'greeting',
      type: 'text',
      position: { x: 0, y: 0 },
      data: { text: 'Hello from Next.js' },
    },
    { id: 'show', type: 'debug', position: { x: 360, y: 0 }, data: {} },
  ],
  edges: [
    { id: 'e1', source: 'greeting', sourceHandle: 'text', target: 'show', targetHandle: 'value' },
  ],
};

/** The user's first workflow, created on their first visit. */
async function openFirstWorkflow(client: GalaxyClient): Promise<string> {
  const page = await client.workflows.list({ limit: 1 });
  return (page.items[0] ?? (await client.workflows.create(helloWorkflow))).id;
}

/** Asks for the API token (GALAXY_TOKEN), then edits the user's first workflow. */
export function Editor() {
  const [token, setToken] = useState<string | null>(null);
  const [workflowId, setWorkflowId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Storage exists only in the browser, so the server renders the sign-in form.
  useEffect(() => setToken(sessionStorage.getItem(TOKEN_KEY)), []);

  const client = useMemo(
    () =>
      token
        ? createGalaxyClient({ baseUrl: '/api', headers: { authorization: `Bearer ${token}` } })
        : null,
    [token],
  );

  useEffect(() => {
    if (!client) return;
    let current = true;
    openFirstWorkflow(client).then(
      (id) => current && setWorkflowId(id),
      (cause: unknown) => {
        if (!current) return;
        if (cause instanceof GalaxyApiError && cause.status === 401) {
          sessionStorage.removeItem(TOKEN_KEY);
          setToken(null);
          setError('That token was not accepted.');
        } else {
          setError(cause instanceof Error ? cause.message : String(cause));
        }
      },
    );
    return () => {
      current = false;
    };
  }, [client]);

  const signIn = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get('token') ?? '').trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    setError(null);
    setToken(value);
  };

  if (!client) {
    return (
      <form className="sign-in" onSubmit={signIn}>
        <h1>Sign in to Galaxy Flow</h1>
        {error ? <p role="alert">{error}</p> : null}
        <label>
          API token <input name="token" type="password" autoComplete="current-password" />
        </label>
        <button type="submit">Sign in</button>
      </form>
    );
  }
  if (error) return <p role="alert">{error}</p>;
  if (!workflowId) return <p>Loading…</p>;
  return (
    <WorkflowEditor
      registry={registry}
      client={client}
      workflowId={workflowId}
      title="Galaxy Flow"
      style={{ height: '100vh' }}
    />
  );
}
