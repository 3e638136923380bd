import { useCallback, useSyncExternalStore } from 'react';
import type { FileUploads, UploadState } from '../store/fileUploads';

/** The node's upload in flight or refused, redrawn as it moves. */
export function useUpload(uploads: FileUploads, nodeId: string): UploadState | undefined {
  const subscribe = useCallback(
    (listener: () => void) => uploads.subscribe(nodeId, listener),
    [uploads, nodeId],
  );
  const get = useCallback(() => uploads.get(nodeId), [uploads, nodeId]);
  return useSyncExternalStore(subscribe, get, get);
}
