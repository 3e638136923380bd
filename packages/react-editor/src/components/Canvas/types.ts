export interface CanvasProps {
  /** Shows the minimap. Default true. */
  showMiniMap?: boolean;
  /** Shows the zoom/fit controls. Default true. */
  showControls?: boolean;
  /** Shows the dotted background. Default true. */
  showBackground?: boolean;
  /** The colour scheme passed to React Flow. Default 'light'. */
  colorMode?: 'light' | 'dark';
}
