import type { CSSProperties, ReactNode } from 'react';
import type { EditorTheme } from '../../hooks/useResolvedTheme';
import type { WorkflowEditorProviderProps } from '../WorkflowEditorProvider/types';

export interface WorkflowEditorProps extends Omit<WorkflowEditorProviderProps, 'children'> {
  /** Colour scheme; `system` follows the operating system. Default 'system'. */
  theme?: EditorTheme;
  /** The workflow's name in the toolbar. Default none. */
  title?: string;
  /** Shows the node palette (never in read-only mode). Default true. */
  showPalette?: boolean;
  /** Shows the minimap. Default true. */
  showMiniMap?: boolean;
  /**
   * Where nodes' settings are edited: 'inspector' opens a panel beside the canvas with the
   * selected node's settings and its last result, and nodes show a one-line summary; 'inline'
   * keeps every setting on the node. Default 'inspector'.
   */
  nodeSettings?: 'inspector' | 'inline';
  /** Class added to the root element. Default none. */
  className?: string;
  /** Style of the root element; give it a height. Default none (fills its parent). */
  style?: CSSProperties;
  /** Extra elements rendered inside the editor, where the headless hooks work. Default none. */
  children?: ReactNode;
}
