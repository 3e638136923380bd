export interface PaletteProps {
  /** Adds a node of the clicked type; default: at the centre of the visible canvas. */
  onAdd?: (type: string) => void;
  /** Starts collapsed to a narrow strip. Default false. */
  defaultCollapsed?: boolean;
}
