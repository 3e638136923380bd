import { builtinNodes, createRegistry } from '@galaxyflow/engine';
import { type EditorTheme, WorkflowEditor } from '@galaxyflow/react-editor';
import { createGalaxyClient, type GalaxyClient } from '@galaxyflow/server-adapter/client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { flushSync } from 'react-dom';
import { draftKeyFor, readSessionToken, rememberToken, signOut } from './session';
import { SignIn } from './SignIn';
import { readListFolded, rememberListFolded } from './listFold';
import { applyTheme, readTheme } from './theme';
import { WorkflowList } from './WorkflowList';

const registry = createRegistry(builtinNodes);

/** `/w/<id>` opens a workflow; the address is shareable between a user's own tabs. */
function workflowIdFromPath(): string | null {
  const match = /^\/w\/([^/]+)$/.exec(window.location.pathname);
  return match ? decodeURIComponent(match[1]!) : null;
}

export function App() {
  const [token, setToken] = useState(() => readSessionToken());
  const [rejected, setRejected] = useState(false);
  const [workflowId, setWorkflowId] = useState(() => workflowIdFromPath());
  const [listVersion, setListVersion] = useState(0);
  const [theme, setTheme] = useState<EditorTheme>(() => readTheme());
  useEffect(() => applyTheme(theme), [theme]);
  const [listFolded, setListFolded] = useState(() => readListFolded());
  const foldList = useCallback((folded: boolean) => {
    rememberListFolded(folded);
    setListFolded(folded);
  }, []);
  // The list folds beside an open workflow only; with none open it is the page.
  const folded = listFolded && workflowId !== null;

  const client: GalaxyClient | null = useMemo(
    () => (token ? createGalaxyClient({ baseUrl: '/api', headers: () => ({ authorization: `Bearer ${token}` }) }) : null),
    [token],
  );

  useEffect(() => {
    const onPop = () => setWorkflowId(workflowIdFromPath());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const open = useCallback((id: string | null) => {
    window.history.pushState(null, '', id ? `/w/${encodeURIComponent(id)}` : '/');
    setWorkflowId(id);
  }, []);

  /**
   * Signs out: the editor closes first (closing writes its pending draft, flushSync makes
   * that happen now), then the token and every draft go.
   */
  const leave = useCallback((rejected: boolean) => {
    flushSync(() => {
      setRejected(rejected);
      setToken(null);
    });
    signOut();
  }, []);

  const onUnauthorized = useCallback(() => leave(true), [leave]);

  if (!client || !token) {
    return (
      <SignIn
        rejected={rejected}
        onSubmit={(value) => {
          rememberToken(value);
          setRejected(false);
          setToken(value);
        }}
      />
    );
  }

  return (
    // On a phone one column shows: the list, or the open workflow with a way back to the list.
    <div className={`gfa-shell${workflowId ? ' gfa-shell--open' : ''}${folded ? ' gfa-shell--folded' : ''}`}>
      <WorkflowList
        client={client}
        selectedId={workflowId}
        refreshKey={listVersion}
        onOpen={open}
        onUnauthorized={onUnauthorized}
        theme={theme}
        onThemeChange={setTheme}
        folded={folded}
        onFoldedChange={foldList}
        onSignOut={() => {
          leave(false);
          open(null);
        }}
      />
      <main className="gfa-main">
        {workflowId && (
          <a
            className="gfa-back"
            href="/"
            onClick={(e) => {
              e.preventDefault();
              open(null);
            }}
          >
            ← Workflows
          </a>
        )}
        {workflowId ? (
          <WorkflowEditor
            key={workflowId}
            registry={registry}
            client={client}
            workflowId={workflowId}
            // Drafts are this user's: another person signing in at this browser is not offered them.
            draftKey={draftKeyFor(token, workflowId)}
            theme={theme}
            onSave={() => setListVersion((v) => v + 1)}
            onRunFinish={() => setListVersion((v) => v + 1)}
          />
        ) : (
          <div className="gfa-empty">
            <h1>Galaxy Flow</h1>
            <p>Open a workflow on the left, or start one from a template.</p>
          </div>
        )}
      </main>
    </div>
  );
}
