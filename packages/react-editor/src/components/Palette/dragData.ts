/** The drag-and-drop type a palette item carries onto the canvas. */
export const PALETTE_MIME = 'application/x-galaxyflow-node-type';
