import { NOTE_COLORS, type NoteColor } from '@galaxyflow/engine';
import { NodeResizer, type NodeProps, type ResizeParams } from '@xyflow/react';
import { useContext, useId, useState } from 'react';
import type { EditorNode } from '../../types';
import { NodeCanvasContext } from '../WorkflowNode/NodeCanvasContext';
import { renderNoteText } from './noteText';

/** A note's size until someone resizes it. */
export const NOTE_SIZE = { width: 240, height: 150 };
const MIN = { width: 120, height: 60 };

const colorOf = (value: unknown): NoteColor =>
  NOTE_COLORS.includes(value as NoteColor) ? (value as NoteColor) : 'yellow';

/**
 * A sticky note: documents the workflow on the canvas and never runs. Selected, it edits
 * (text, colour) and resizes from its corners; otherwise it shows its text with light markdown.
 */
export function NoteNode({ id, data, selected }: NodeProps<EditorNode>) {
  const canvas = useContext(NodeCanvasContext);
  const textId = useId();
  const text = typeof data.text === 'string' ? data.text : '';
  const color = colorOf(data.color);
  const stored = {
    width: typeof data.width === 'number' ? data.width : NOTE_SIZE.width,
    height: typeof data.height === 'number' ? data.height : NOTE_SIZE.height,
  };
  // While a corner is dragged the note follows the pointer; the size is saved when it is let go.
  const [resizing, setResizing] = useState<{ width: number; height: number } | null>(null);
  const size = resizing ?? stored;
  const editable = !!canvas && !canvas.readOnly;
  const actions = canvas?.actions;
  const commit = (_event: unknown, params: ResizeParams) => {
    setResizing(null);
    actions?.updateNodeData(id, {
      width: Math.round(params.width),
      height: Math.round(params.height),
    });
  };
  return (
    <div
      className={`gf-note gf-note--${color}`}
      style={{ width: size.width, height: size.height }}
      data-testid={`gf-note-${id}`}
    >
      {editable && (
        <NodeResizer
          isVisible={!!selected}
          minWidth={MIN.width}
          minHeight={MIN.height}
          maxWidth={2_000}
          maxHeight={2_000}
          onResize={(_event, params) => setResizing({ width: params.width, height: params.height })}
          onResizeEnd={commit}
        />
      )}
      {selected && editable ? (
        <>
          <label htmlFor={textId} className="gf-visually-hidden">
            Note text
          </label>
          <textarea
            id={textId}
            className="gf-note__input nodrag nowheel"
            value={text}
            placeholder="Write a note… (# heading, - list, **bold**)"
            onChange={(event) =>
              actions?.updateNodeData(id, { text: event.target.value }, { burst: 'text' })
            }
            onBlur={() => actions?.endBurst()}
          />
          <fieldset className="gf-note__colors nodrag">
            <legend className="gf-visually-hidden">Note colour</legend>
            {NOTE_COLORS.map((option) => (
              <button
                key={option}
                type="button"
                aria-pressed={option === color}
                aria-label={`${option} note`}
                title={option}
                className={`gf-note__swatch gf-note--${option}`}
                onClick={() => actions?.updateNodeData(id, { color: option })}
              />
            ))}
          </fieldset>
        </>
      ) : (
        <div className="gf-note__text">
          {text ? renderNoteText(text) : <span className="gf-note__placeholder">Empty note</span>}
        </div>
      )}
    </div>
  );
}
