import { type ReactNode, useRef, useState } from 'react';
import { useClipped } from '../../hooks/useClipped';

export interface NodeOutputProps {
  /** The node's id, to name the region the toggle controls. */
  nodeId: string;
  /** The output preview, clipped to a few lines until expanded. */
  children: ReactNode;
}

/**
 * A node's output preview, a few lines tall on the canvas, with "Show more" only when the
 * preview really cuts something off (a one-line answer has nothing more to show).
 */
export function NodeOutput({ nodeId, children }: NodeOutputProps) {
  const [expanded, setExpanded] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const clipped = useClipped(box, '.gf-preview', !expanded);
  const id = `gf-output-${nodeId}`;
  return (
    <div
      ref={box}
      className={`gf-node__output${expanded ? ' gf-node__output--expanded' : ''}`}
      id={id}
    >
      {children}
      {(clipped || expanded) && (
        <button
          type="button"
          className="gf-node__expand nodrag"
          aria-expanded={expanded}
          aria-controls={id}
          onClick={() => setExpanded((open) => !open)}
        >
          {expanded ? 'Show less' : 'Show more'}
        </button>
      )}
    </div>
  );
}
