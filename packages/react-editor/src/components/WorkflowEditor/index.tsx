import { useRef } from 'react';
import { useEditorContext } from '../../hooks/useEditorContext';
import { useEditorShortcuts } from '../../hooks/useEditorShortcuts';
import { useEditorState } from '../../hooks/useEditorState';
import { useNarrow } from '../../hooks/useNarrow';
import { type EditorTheme, useResolvedTheme } from '../../hooks/useResolvedTheme';
import { Canvas } from '../Canvas';
import { ConflictDialog } from '../ConflictDialog';
import { DraftPrompt } from '../DraftPrompt';
import { ErrorDetail } from '../ErrorDetail';
import { HistoryPanel } from '../HistoryPanel';
import { IssuesPanel } from '../IssuesPanel';
import { NoticeToast } from '../NoticeToast';
import { Palette } from '../Palette';
import { RunSteps } from '../RunSteps';
import { ShortcutHelp } from '../ShortcutHelp';
import { UsagePanel } from '../UsagePanel';
import { Toolbar } from '../Toolbar';
import { VersionsPanel } from '../VersionsPanel';
import { WorkflowEditorProvider } from '../WorkflowEditorProvider';
import type { WorkflowEditorProps } from './types';

export type { WorkflowEditorProps } from './types';

interface ShellProps {
  theme: EditorTheme;
  title: string | undefined;
  showPalette: boolean;
  showMiniMap: boolean;
  nodeSettings: 'inspector' | 'inline';
  className: string | undefined;
  style: WorkflowEditorProps['style'];
  children: WorkflowEditorProps['children'];
}

function EditorShell({ theme, title, showPalette, showMiniMap, nodeSettings, className, style, children }: ShellProps) {
  const resolved = useResolvedTheme(theme);
  const handlers = useEditorShortcuts();
  const panel = useEditorState((state) => state.panel);
  const { store } = useEditorContext();
  const root = useRef<HTMLDivElement>(null);
  useNarrow(root, store);
  const narrow = useEditorState((state) => state.layout === 'narrow');
  const steps = useEditorState((state) => state.layout === 'narrow' && state.view === 'steps');
  const loadError = useEditorState((state) => (state.saveStatus === 'error' ? state.saveError : undefined));
  return (
    <div
      ref={root}
      className={`gf-editor${className ? ` ${className}` : ''}`}
      data-theme={resolved}
      data-layout={narrow ? 'narrow' : 'wide'}
      style={style}
      // The root takes focus on pointer down so shortcuts reach it; it is not a tab stop.
      tabIndex={-1}
      {...handlers}
    >
      <Toolbar {...(title !== undefined ? { title } : {})} />
      <DraftPrompt />
      {loadError && (
        <div className="gf-banner gf-banner--error" role="alert">
          {loadError}
        </div>
      )}
      <div className="gf-editor__body">
        {showPalette && !narrow && <Palette />}
        <Canvas showMiniMap={showMiniMap && !narrow} colorMode={resolved} nodeSettings={nodeSettings} />
        {steps && <RunSteps />}
        {panel === 'issues' && <IssuesPanel />}
        {panel === 'history' && <HistoryPanel />}
        {panel === 'versions' && <VersionsPanel />}
        {panel === 'error' && <ErrorDetail />}
        {panel === 'help' && <ShortcutHelp />}
        {panel === 'usage' && <UsagePanel />}
      </div>
      <NoticeToast />
      <ConflictDialog />
      {children}
    </div>
  );
}

/**
 * The complete workflow editor: palette, canvas, toolbar, panels. Connected to a server
 * through `client` + `workflowId`, controlled through `value` + `onChange`, or
 * uncontrolled from `initialWorkflow`.
 */
export function WorkflowEditor(props: WorkflowEditorProps) {
  const { theme = 'system', title, showPalette = true, showMiniMap = true, nodeSettings = 'inspector', className, style, children, ...provider } = props;
  return (
    <WorkflowEditorProvider {...provider}>
      <EditorShell
        theme={theme}
        title={title}
        showPalette={showPalette}
        showMiniMap={showMiniMap}
        nodeSettings={nodeSettings}
        className={className}
        style={style}
      >
        {children}
      </EditorShell>
    </WorkflowEditorProvider>
  );
}
