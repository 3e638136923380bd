import type { EditorTheme } from '@galaxyflow/react-editor';
import { GalaxyApiError, type GalaxyClient, type WorkflowSummary } from '@galaxyflow/server-adapter/client';
import { useCallback, useEffect, useId, useState } from 'react';
import { templates } from './templates';

export interface WorkflowListProps {
  client: GalaxyClient;
  selectedId: string | null;
  /** Changes when the open workflow was saved or run, so names and statuses refresh. */
  refreshKey: number;
  onOpen(id: string | null): void;
  onUnauthorized(): void;
  onSignOut(): void;
  theme: EditorTheme;
  onThemeChange(theme: EditorTheme): void;
  /** Folded to a narrow rail beside an open workflow, leaving the editor the width. */
  folded: boolean;
  onFoldedChange(folded: boolean): void;
}

const PAGE = 50;

/** The user's workflows: search, open, new from a template, rename, delete. */
export function WorkflowList({
  client,
  selectedId,
  refreshKey,
  onOpen,
  onUnauthorized,
  onSignOut,
  theme,
  onThemeChange,
  folded,
  onFoldedChange,
}: WorkflowListProps) {
  const themeId = useId();
  // The name a new workflow gets, asked for as soon as New is pressed.
  const [newName, setNewName] = useState('');
  const [items, setItems] = useState<WorkflowSummary[]>([]);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);

  const fail = useCallback(
    (e: unknown) => {
      if (e instanceof GalaxyApiError && e.status === 401) onUnauthorized();
      else setError(e instanceof Error ? e.message : String(e));
    },
    [onUnauthorized],
  );

  const reload = useCallback(async () => {
    try {
      const page = await client.workflows.list({ limit: PAGE, ...(query ? { q: query } : {}) });
      setItems(page.items);
      setError(null);
    } catch (e) {
      fail(e);
    }
  }, [client, query, fail]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshKey is the parent's signal to reload
  useEffect(() => {
    const timer = setTimeout(() => void reload(), query ? 200 : 0);
    return () => clearTimeout(timer);
  }, [reload, refreshKey, query]);

  const create = async (templateId: string) => {
    const template = templates.find((t) => t.id === templateId)!;
    try {
      const created = await client.workflows.create({
        name: newName.trim() || template.name,
        description: template.description,
        nodes: template.workflow.nodes,
        edges: template.workflow.edges,
      });
      setPicking(false);
      setNewName('');
      await reload();
      onOpen(created.id);
    } catch (e) {
      fail(e);
    }
  };

  const createBlank = async () => {
    try {
      const created = await client.workflows.create({ name: newName.trim() || 'Untitled workflow' });
      setPicking(false);
      setNewName('');
      await reload();
      onOpen(created.id);
    } catch (e) {
      fail(e);
    }
  };

  const rename = async (item: WorkflowSummary, name: string) => {
    setRenaming(null);
    if (!name.trim() || name.trim() === item.name) return;
    try {
      await client.workflows.update(item.id, { name: name.trim(), expectedVersion: item.version });
      await reload();
    } catch (e) {
      fail(e);
    }
  };

  const remove = async (item: WorkflowSummary) => {
    if (!window.confirm(`Delete "${item.name}"? Its runs stay in the history.`)) return;
    try {
      await client.workflows.delete(item.id);
      if (item.id === selectedId) onOpen(null);
      await reload();
    } catch (e) {
      fail(e);
    }
  };

  if (folded) {
    return (
      <nav className="gfa-sidebar gfa-sidebar--rail" aria-label="Workflows">
        <button
          type="button"
          className="gfa-icon-button"
          aria-label="Show the list of workflows"
          title="Show the list of workflows"
          aria-expanded={false}
          onClick={() => onFoldedChange(false)}
        >
          »
        </button>
        <button type="button" className="gfa-icon-button gfa-rail-end" aria-label="Sign out" title="Sign out" onClick={onSignOut}>
          <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round">
            <path d="M6 2.5H3.5a1 1 0 0 0-1 1v9a1 1 0 0 0 1 1H6M10.5 11 13.5 8l-3-3M13.5 8H6" />
          </svg>
        </button>
      </nav>
    );
  }

  return (
    <nav className="gfa-sidebar" aria-label="Workflows">
      <header>
        <strong>Workflows</strong>
        <span className="gfa-actions-row">
          <button type="button" className="gfa-button" onClick={() => setPicking((v) => !v)} aria-expanded={picking}>
            New
          </button>
          {selectedId && (
            <button
              type="button"
              className="gfa-icon-button gfa-fold"
              aria-label="Hide the list of workflows"
              title="Hide the list of workflows"
              aria-expanded
              onClick={() => onFoldedChange(true)}
            >
              «
            </button>
          )}
        </span>
      </header>
      {picking && (
        <input
          className="gfa-new-name"
          aria-label="Name of the new workflow"
          placeholder="Name (e.g. Weekly summary)"
          value={newName}
          maxLength={200}
          // biome-ignore lint/a11y/noAutofocus: the field appears because the user pressed New
          autoFocus
          onChange={(e) => setNewName(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void createBlank();
            if (e.key === 'Escape') setPicking(false);
          }}
        />
      )}
      {picking && (
        <ul className="gfa-templates" aria-label="Start from">
          <li>
            <button type="button" onClick={() => void createBlank()}>
              <strong>Blank workflow</strong>
              <span>An empty canvas.</span>
            </button>
          </li>
          {templates.map((t) => (
            <li key={t.id}>
              <button type="button" onClick={() => void create(t.id)}>
                <strong>{t.name}</strong>
                <span>
                  {t.description}
                  {t.needsProvider ? ' Needs an LLM provider key.' : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <input type="search" placeholder="Search workflows" aria-label="Search workflows" value={query} onChange={(e) => setQuery(e.target.value)} />
      {error && (
        <p role="alert" className="gfa-error">
          {error}
        </p>
      )}
      <ul className="gfa-list">
        {items.map((item) => (
          <li key={item.id} className={item.id === selectedId ? 'gfa-selected' : undefined}>
            {renaming === item.id ? (
              <input
                aria-label={`New name for ${item.name}`}
                defaultValue={item.name}
                // biome-ignore lint/a11y/noAutofocus: the field appears because the user asked to rename
                autoFocus
                onBlur={(e) => void rename(item, e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') void rename(item, e.currentTarget.value);
                  if (e.key === 'Escape') setRenaming(null);
                }}
              />
            ) : (
              <a
                href={`/w/${encodeURIComponent(item.id)}`}
                aria-current={item.id === selectedId ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  onOpen(item.id);
                }}
              >
                <span className="gfa-name">{item.name}</span>
                <span className="gfa-meta">
                  {item.runCount} run{item.runCount === 1 ? '' : 's'}
                  {item.lastRunStatus ? ` · last ${item.lastRunStatus.toLowerCase()}` : ''}
                </span>
              </a>
            )}
            <span className="gfa-actions">
              <button type="button" aria-label={`Rename ${item.name}`} onClick={() => setRenaming(item.id)}>
                Rename
              </button>
              <button type="button" aria-label={`Delete ${item.name}`} onClick={() => void remove(item)}>
                Delete
              </button>
            </span>
          </li>
        ))}
        {items.length === 0 && !error && <li className="gfa-none">{query ? 'No workflow matches.' : 'No workflows yet: press New.'}</li>}
      </ul>
      <footer>
        <label htmlFor={themeId} className="gfa-theme">
          Theme
          <select id={themeId} value={theme} onChange={(e) => onThemeChange(e.target.value as EditorTheme)}>
            <option value="system">System</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
        <button type="button" className="gfa-button" onClick={onSignOut}>
          Sign out
        </button>
      </footer>
    </nav>
  );
}
