import { useReactFlow } from '@xyflow/react';
import { type ChangeEvent, useId, useRef } from 'react';
import { useEditorContext } from '../../hooks/useEditorContext';
import { useEditorState } from '../../hooks/useEditorState';
import { useHistory } from '../../hooks/useHistory';
import { useRun } from '../../hooks/useRun';
import { selectDirty } from '../../hooks/useWorkflowEditor';
import type { EditorPanel } from '../../store/createEditorStore';
import { RunFailure } from '../RunFailure';
import { NarrowMenuItems } from './NarrowMenuItems';

export interface ToolbarProps {
  /** The workflow's name, shown at the left. Default none. */
  title?: string;
}

const PHASE_TEXT: Record<string, string> = {
  starting: 'Starting…',
  running: 'Running…',
  SUCCESS: 'Run succeeded',
  PARTIAL: 'Run partly failed',
  FAILED: 'Run failed',
  CANCELED: 'Run canceled',
};

/** The same, short enough for a phone-wide toolbar. */
const PHASE_TEXT_SHORT: Record<string, string> = {
  starting: 'Starting…',
  running: 'Running…',
  SUCCESS: 'Succeeded',
  PARTIAL: 'Partly failed',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
};

/** Save, history, layout, import/export, panels and Run/Cancel. */
export function Toolbar({ title }: ToolbarProps) {
  const { controller } = useEditorContext();
  const flow = useReactFlow();
  const dirty = useEditorState(selectDirty);
  const saveStatus = useEditorState((state) => state.saveStatus);
  const readOnly = useEditorState((state) => state.readOnly);
  const panel = useEditorState((state) => state.panel);
  const issueCount = useEditorState((state) => state.issues.length);
  const firstIssueNode = useEditorState((state) => state.issues[0]?.nodeId);
  const workflowId = useEditorState((state) => state.workflowId);
  const actions = useEditorState((state) => state.actions);
  // Phone-wide: the extras go into the menu and a switch shows the canvas or the steps.
  const narrow = useEditorState((state) => state.layout === 'narrow');
  const view = useEditorState((state) => state.view);
  const history = useHistory();
  const run = useRun();
  const reasonId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const menu = useRef<HTMLDetailsElement>(null);
  // Lower-priority actions sit in a menu, so the toolbar stays one row at any width.
  const closeMenu = (action: () => void) => {
    if (menu.current) menu.current.open = false;
    action();
  };

  const toggle = (name: EditorPanel) => actions.openPanel(panel === name ? null : name);
  const saving = saveStatus === 'saving';
  const saveText = saveStatus === 'loading' ? 'Loading…' : saving ? 'Saving…' : dirty ? 'Unsaved changes' : 'All changes saved';

  const exportJson = () => {
    const blob = new Blob([controller.exportJson()], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = `${workflowId ?? 'workflow'}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };

  const importJson = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file) controller.importJson(await file.text());
  };

  const phase = run.run?.phase;
  return (
    <div className="gf-toolbar" role="toolbar" aria-label="Workflow editor">
      <div className="gf-toolbar__group">
        {title && !narrow && <span className="gf-toolbar__title">{title}</span>}
        <span className={`gf-save-state${dirty ? ' gf-save-state--dirty' : ''}`} aria-live="polite" title={narrow ? saveText : undefined}>
          <span className="gf-save-state__dot" aria-hidden="true" />
          <span className={narrow ? 'gf-visually-hidden' : undefined}>{readOnly ? 'Read-only' : saveText}</span>
        </span>
        {!readOnly && (
          <button
            type="button"
            className="gf-button"
            onClick={() => void controller.save()}
            disabled={!dirty || saving}
            aria-keyshortcuts="Control+S Meta+S"
          >
            Save
          </button>
        )}
      </div>
      {!readOnly && !narrow && (
        <div className="gf-toolbar__group">
          <button type="button" className="gf-icon-button" aria-label="Undo" title="Undo (Ctrl+Z)" disabled={!history.canUndo} onClick={history.undo} aria-keyshortcuts="Control+Z Meta+Z">
            ↶
          </button>
          <button type="button" className="gf-icon-button" aria-label="Redo" title="Redo (Ctrl+Shift+Z)" disabled={!history.canRedo} onClick={history.redo} aria-keyshortcuts="Control+Shift+Z Control+Y Meta+Shift+Z">
            ↷
          </button>
        </div>
      )}
      <details className="gf-toolbar__group gf-menu" ref={menu}>
        <summary className="gf-button gf-button--ghost" aria-label="More actions" title="Tidy up, fit view, import, export">
          More
        </summary>
        <div className="gf-menu__list">
          {narrow && <NarrowMenuItems closeMenu={closeMenu} toggle={toggle} />}
          {/* In the menu, so the Versions button and a failed run's message fit the row at 1280 px. */}
          {!readOnly && (
            <button type="button" className="gf-button gf-button--ghost" onClick={() => closeMenu(() => { actions.tidyUp(); setTimeout(() => void flow.fitView({ padding: 0.15, duration: 250 }), 0); })}>
              Tidy up
            </button>
          )}
          <button type="button" className="gf-button gf-button--ghost" onClick={() => closeMenu(() => void flow.fitView({ padding: 0.15, duration: 250 }))}>
            Fit view
          </button>
          {!readOnly && (
            <>
              <button type="button" className="gf-button gf-button--ghost" onClick={() => closeMenu(() => fileInput.current?.click())}>
                Import
              </button>
              <input ref={fileInput} type="file" accept="application/json,.json" hidden onChange={(e) => void importJson(e)} aria-label="Import a workflow file" />
            </>
          )}
          <button type="button" className="gf-button gf-button--ghost" onClick={() => closeMenu(exportJson)}>
            Export
          </button>
          {controller.client?.usage && (
            <button type="button" className="gf-button gf-button--ghost" onClick={() => closeMenu(() => toggle('usage'))}>
              Usage
            </button>
          )}
        </div>
      </details>
      {narrow && (
        <div className="gf-toolbar__group">
          <button
            type="button"
            className="gf-button gf-button--ghost"
            aria-label={view === 'steps' ? 'Show the canvas' : 'Show the steps as a list'}
            onClick={() => actions.patch({ view: view === 'steps' ? 'canvas' : 'steps' })}
          >
            {view === 'steps' ? 'Canvas' : 'Steps'}
          </button>
        </div>
      )}
      <div className="gf-toolbar__group" hidden={narrow}>
        <button type="button" className="gf-button gf-button--ghost" aria-pressed={panel === 'issues'} onClick={() => toggle('issues')}>
          Issues{issueCount > 0 && <span className="gf-count">{issueCount}</span>}
        </button>
        {controller.client && workflowId && (
          <button type="button" className="gf-button gf-button--ghost" aria-pressed={panel === 'history'} onClick={() => toggle('history')}>
            History
          </button>
        )}
        {controller.hasVersions && (
          <button type="button" className="gf-button gf-button--ghost" aria-pressed={panel === 'versions'} onClick={() => toggle('versions')}>
            Versions
          </button>
        )}
        <button type="button" className="gf-icon-button" aria-label="Keyboard shortcuts" aria-pressed={panel === 'help'} onClick={() => toggle('help')}>
          ?
        </button>
      </div>
      <div className="gf-toolbar__group gf-toolbar__run">
        {phase && (
          <span className={`gf-run-status gf-run-status--${phase.toLowerCase()}`} aria-live="polite">
            {run.run?.origin === 'history' ? 'Past run: ' : ''}
            {(narrow ? PHASE_TEXT_SHORT : PHASE_TEXT)[phase] ?? phase}
          </span>
        )}
        <RunFailure />
        {run.run && !run.isRunning && !narrow && (
          <button type="button" className="gf-button gf-button--ghost" onClick={run.clear}>
            Clear run
          </button>
        )}
        {run.isRunning ? (
          <button type="button" className="gf-button gf-button--danger" onClick={() => void run.cancel()}>
            Cancel
          </button>
        ) : (
          <>
            {run.blockedReason && controller.client && (
              <span id={reasonId} className={narrow ? 'gf-visually-hidden' : 'gf-run-reason'} title={firstIssueNode ? `${run.blockedReason}\nNode id: ${firstIssueNode}` : run.blockedReason}>
                {run.blockedReason}
              </span>
            )}
            {controller.client && (
              <button
                type="button"
                className="gf-button gf-button--primary"
                disabled={run.blockedReason !== null}
                aria-describedby={run.blockedReason ? reasonId : undefined}
                aria-keyshortcuts="Control+Enter Meta+Enter"
                onClick={() => void run.start()}
              >
                Run
              </button>
            )}
          </>
        )}
      </div>
    </div>
  );
}
