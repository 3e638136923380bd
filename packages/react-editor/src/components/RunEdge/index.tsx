import { BaseEdge, type EdgeProps, getBezierPath } from '@xyflow/react';
import { memo, useCallback, useSyncExternalStore } from 'react';
import type { NodeFeed } from '../../store/nodeFeed';
import { useNodeCanvas } from '../WorkflowNode/useNodeCanvas';

type Flow = 'idle' | 'active' | 'done' | 'broken' | 'untaken';

function flowOf(feed: NodeFeed, source: string, target: string, sourceHandle: string | null | undefined): Flow {
  const fromState = feed.slice(source).runState;
  const from = fromState?.status;
  const to = feed.slice(target).runState?.status;
  // A branch not taken: the source ended without a value on this output, or was itself skipped
  // for a branch not taken. Dimmed as soon as the source ends, while the run goes on.
  if (from === 'success' && sourceHandle && !Object.hasOwn(fromState?.output ?? {}, sourceHandle)) return 'untaken';
  if (from === 'skipped' && fromState?.error?.code === 'E_BRANCH_NOT_TAKEN') return 'untaken';
  if (to === 'running' || to === 'retrying' || from === 'running') return 'active';
  if (from === 'success' && (to === 'success' || to === 'queued')) return 'done';
  if (to === 'skipped' || from === 'failed') return 'broken';
  return 'idle';
}

/**
 * An edge that animates while data flows along it: its source or target is running; dimmed
 * when it is a branch the run did not take. It listens to its two nodes through the canvas's
 * keyed feed, not to the whole store.
 */
export const RunEdge = memo(function RunEdge(props: EdgeProps) {
  const { id, source, target, sourceHandleId, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, markerEnd } = props;
  const { feed } = useNodeCanvas();
  const subscribe = useCallback(
    (listener: () => void) => {
      const fromSource = feed.subscribe(source, listener);
      const fromTarget = feed.subscribe(target, listener);
      return () => {
        fromSource();
        fromTarget();
      };
    },
    [feed, source, target],
  );
  const read = () => flowOf(feed, source, target, sourceHandleId);
  const flow = useSyncExternalStore(subscribe, read, read);
  const [path] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return (
    <BaseEdge
      id={id}
      path={path}
      className={`gf-edge gf-edge--${flow}${selected ? ' gf-edge--selected' : ''}`}
      {...(markerEnd ? { markerEnd } : {})}
    />
  );
});
