import type { PortMap } from '@galaxyflow/engine';
import { Handle, Position } from '@xyflow/react';
import type { CSSProperties, ReactNode } from 'react';

const offsets = new Map<string, CSSProperties>();
/**
 * Spreads a card's handles down its side, as far apart as its height allows. One style object
 * per place, so a card drawn again hands its handles the same props and they skip the render.
 */
function offset(index: number, count: number): CSSProperties {
  const key = `${index}/${count}`;
  let style = offsets.get(key);
  if (!style) {
    style = { top: `${((index + 1) * 100) / (count + 1)}%` };
    offsets.set(key, style);
  }
  return style;
}

/**
 * The light card of a node in a view too far out to read a form: its title, its status (the
 * card's colours, from `className`) and its ports as bare handles down its sides, where edges
 * still meet them. A handful of elements and no hooks instead of dozens of each: a thousand
 * of them mount, lay out and paint in a fraction of the time. Children in one flat list, so
 * React adds no fragment per group of handles.
 */
export function compactCard(id: string, className: string, label: string, inputs: PortMap, outputs: PortMap): ReactNode {
  const inputKeys = Object.keys(inputs);
  const outputKeys = Object.keys(outputs);
  const rows = Math.max(inputKeys.length, outputKeys.length);
  const children: ReactNode[] = [
    <span key="title" className="gf-node__title">
      {label}
    </span>,
  ];
  inputKeys.forEach((key, i) => {
    children.push(
      <Handle
        key={`in:${key}`}
        type="target"
        position={Position.Left}
        id={key}
        className={`gf-handle gf-handle--${inputs[key]?.type ?? 'any'}`}
        style={offset(i, inputKeys.length)}
      />,
    );
  });
  outputKeys.forEach((key, i) => {
    children.push(
      <Handle
        key={`out:${key}`}
        type="source"
        position={Position.Right}
        id={key}
        className={`gf-handle gf-handle--${outputs[key]?.type ?? 'any'}`}
        style={offset(i, outputKeys.length)}
      />,
    );
  });
  return (
    <div className={className} data-testid={`gf-node-${id}`} style={rows > 3 ? { minHeight: rows * 18 } : undefined}>
      {children}
    </div>
  );
}
