export interface CanvasProps {
  /** Shows the minimap. Default true. */
  showMiniMap?: boolean;
  /** Shows the zoom/fit controls. Default true. */
  showControls?: boolean;
  /** Shows the dotted background. Default true. */
  showBackground?: boolean;
  /** The colour scheme passed to React Flow. Default 'light'. */
  colorMode?: 'light' | 'dark';
  /**
   * Where nodes' settings are edited: in an inspector panel beside the canvas for the selected
   * node (nodes show a one-line summary), or inline on every node. Default 'inspector'.
   */
  nodeSettings?: 'inspector' | 'inline';
}
