import type { EditorClient, EditorFile } from '../client/types';

/** An upload in flight or refused, shown on the Image node it fills. */
export type UploadState =
  /** Bytes are going out; `fraction` is null when the client cannot tell how many. */
  | { status: 'uploading'; name: string; fraction: number | null }
  /** The client or server refused the file; `message` is theirs. */
  | { status: 'failed'; name: string; message: string };

export interface FileUploadsOptions {
  client: () => EditorClient | undefined;
  /** The file is stored: the node refers to it now. */
  onUploaded: (nodeId: string, file: EditorFile) => void;
  /** The file was refused: say so where the user looks. */
  onFailed: (nodeId: string, message: string) => void;
}

/** Thumbnails kept as object URLs; past this many the oldest are let go. */
const MAX_THUMBNAILS = 200;

/**
 * Uploads of dropped and pasted images, per node, and the thumbnails of stored files. One per
 * canvas; nodes subscribe by id, as they do to the node feed, so a progress tick redraws only
 * the node it belongs to.
 */
export interface FileUploads {
  get(nodeId: string): UploadState | undefined;
  subscribe(nodeId: string, listener: () => void): () => void;
  /** Uploads `file` for the node, replacing what it had once stored. */
  start(nodeId: string, file: Blob): void;
  /** Forgets a failed upload (the user removed or replaced the image). */
  clear(nodeId: string): void;
  /** An object URL of the stored file's bytes, loaded once through the client. */
  thumbnail(fileId: string): Promise<string>;
  /** Aborts uploads and lets the thumbnails go. */
  destroy(): void;
}

export function createFileUploads(options: FileUploadsOptions): FileUploads {
  const states = new Map<string, UploadState>();
  const listeners = new Map<string, Set<() => void>>();
  const inFlight = new Map<string, AbortController>();
  const thumbnails = new Map<string, Promise<string>>();

  const set = (nodeId: string, state: UploadState | undefined) => {
    if (state) states.set(nodeId, state);
    else states.delete(nodeId);
    for (const listener of [...(listeners.get(nodeId) ?? [])]) listener();
  };

  return {
    get: (nodeId) => states.get(nodeId),
    subscribe(nodeId, listener) {
      const own = listeners.get(nodeId) ?? new Set<() => void>();
      listeners.set(nodeId, own);
      own.add(listener);
      return () => {
        own.delete(listener);
        if (own.size === 0) listeners.delete(nodeId);
      };
    },
    start(nodeId, file) {
      const name = (file as { name?: unknown }).name;
      const label = typeof name === 'string' && name !== '' ? name : 'image';
      const files = options.client()?.files;
      if (!files) {
        options.onFailed(
          nodeId,
          'This editor’s host takes no files: link the image by URL instead.',
        );
        return;
      }
      inFlight.get(nodeId)?.abort();
      const abort = new AbortController();
      inFlight.set(nodeId, abort);
      set(nodeId, { status: 'uploading', name: label, fraction: null });
      files
        .upload(file, {
          name: label,
          signal: abort.signal,
          onProgress: (loaded, total) => {
            if (abort.signal.aborted || total <= 0) return;
            set(nodeId, {
              status: 'uploading',
              name: label,
              fraction: Math.min(1, loaded / total),
            });
          },
        })
        .then(
          (stored) => {
            if (abort.signal.aborted) return;
            inFlight.delete(nodeId);
            set(nodeId, undefined);
            options.onUploaded(nodeId, stored);
          },
          (error: unknown) => {
            if (abort.signal.aborted) return;
            inFlight.delete(nodeId);
            const message =
              error instanceof Error && error.message ? error.message : 'The upload failed.';
            set(nodeId, { status: 'failed', name: label, message });
            options.onFailed(nodeId, message);
          },
        );
    },
    clear(nodeId) {
      inFlight.get(nodeId)?.abort();
      inFlight.delete(nodeId);
      if (states.has(nodeId)) set(nodeId, undefined);
    },
    thumbnail(fileId) {
      let url = thumbnails.get(fileId);
      if (url) return url;
      const files = options.client()?.files;
      if (!files) return Promise.reject(new Error('This editor’s host takes no files.'));
      url = files.content(fileId).then((blob) => URL.createObjectURL(blob));
      // A failed load is tried again next time instead of staying failed.
      url.catch(() => thumbnails.delete(fileId));
      thumbnails.set(fileId, url);
      if (thumbnails.size > MAX_THUMBNAILS) {
        const [oldest, loaded] = thumbnails.entries().next().value as [string, Promise<string>];
        thumbnails.delete(oldest);
        void loaded.then(
          (old) => URL.revokeObjectURL(old),
          () => {},
        );
      }
      return url;
    },
    destroy() {
      for (const abort of inFlight.values()) abort.abort();
      inFlight.clear();
      for (const url of thumbnails.values())
        void url.then(
          (old) => URL.revokeObjectURL(old),
          () => {},
        );
      thumbnails.clear();
    },
  };
}
