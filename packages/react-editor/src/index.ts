export { conflictOf, isConflictError, WorkflowConflictError } from './client/conflict';
export type { ConflictInfo } from './client/conflict';
export { createMemoryClient } from './client/createMemoryClient';
export type { MemoryClient, MemoryClientOptions, ScriptedEvent } from './client/createMemoryClient';
export type { EditorClient, EditorFile, EditorFileClient, EditorUploadOptions } from './client/types';
export { Canvas } from './components/Canvas';
export type { CanvasProps } from './components/Canvas';
export { HistoryPanel } from './components/HistoryPanel';
export type { HistoryPanelProps } from './components/HistoryPanel';
export { IssuesPanel } from './components/IssuesPanel';
export { UsageChart } from './components/UsageChart';
export type { UsageChartProps } from './components/UsageChart';
export { UsagePanel } from './components/UsagePanel';
export type { UsagePanelProps } from './components/UsagePanel';
export { useUsage } from './hooks/useUsage';
export type { UsageApi } from './hooks/useUsage';
export { Palette } from './components/Palette';
export type { PaletteProps } from './components/Palette';
export { Toolbar } from './components/Toolbar';
export { VersionsPanel } from './components/VersionsPanel';
export type { VersionsPanelProps } from './components/VersionsPanel';
export type { ToolbarProps } from './components/Toolbar';
export { WorkflowEditor } from './components/WorkflowEditor';
export type { WorkflowEditorProps } from './components/WorkflowEditor';
export { WorkflowEditorProvider } from './components/WorkflowEditorProvider';
export type { WorkflowEditorProviderProps } from './components/WorkflowEditorProvider';
export type { Draft } from './draft/draftStorage';
export { EditorError, editorErrorMessages } from './errors';
export type { EditorErrorCode, EditorErrorOptions } from './errors';
export { useEditorState } from './hooks/useEditorState';
export { useHistory } from './hooks/useHistory';
export type { HistoryApi } from './hooks/useHistory';
export type { EditorTheme } from './hooks/useResolvedTheme';
export { selectRunBlockedReason, useRun } from './hooks/useRun';
export type { RunApi } from './hooks/useRun';
export { useRunHistory } from './hooks/useRunHistory';
export { useVersions } from './hooks/useVersions';
export type { VersionRow, VersionsApi } from './hooks/useVersions';
export type { RunHistoryApi } from './hooks/useRunHistory';
export { shortcuts } from './hooks/useEditorShortcuts';
export type { ShortcutDescription } from './hooks/useEditorShortcuts';
export { selectDirty, useWorkflowEditor } from './hooks/useWorkflowEditor';
export type { WorkflowEditorApi } from './hooks/useWorkflowEditor';
export { tidyLayout } from './layout/tidyLayout';
export type { LayoutEdge, LayoutNode, LayoutOptions } from './layout/tidyLayout';
export { fromWorkflow, toWorkflow } from './store/convert';
export type { EditorCallbacks, EditorController, SavedWorkflow } from './store/createEditorController';
export { createEditorStore } from './store/createEditorStore';
export type {
  EditorActions,
  EditorPanel,
  EditorState,
  EditorStore,
  EditorStoreOptions,
  Notice,
  SaveStatus,
  VersionComparison,
} from './store/createEditorStore';
export { describeDiff, diffGraphs } from './store/graphDiff';
export type { GraphDiff } from './store/graphDiff';
export { applyRunEvent, isRunActive, runViewFromSnapshot } from './store/runReducer';
export type { ClipboardPayload } from './store/clipboard';
export type {
  EditorDocument,
  EditorEdge,
  EditorNode,
  EditorNodeData,
  NodeRunState,
  NodeRunStatus,
  RunOrigin,
  RunPhase,
  RunView,
} from './types';
