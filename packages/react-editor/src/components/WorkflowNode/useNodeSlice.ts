import { useCallback, useSyncExternalStore } from 'react';
import type { NodeFeed, NodeSlice } from '../../store/nodeFeed';

/** The run state and issues of one node, re-rendering only when they change. */
export function useNodeSlice(feed: NodeFeed, id: string): NodeSlice {
  const subscribe = useCallback((listener: () => void) => feed.subscribe(id, listener), [feed, id]);
  const read = () => feed.slice(id);
  return useSyncExternalStore(subscribe, read, read);
}
