import { useEffect, useState } from 'react';
import type { FileUploads } from '../store/fileUploads';

/** The stored file as an object URL once loaded, or why it could not be. */
export function useThumbnail(
  uploads: FileUploads,
  fileId: string,
): { url?: string; error?: string } {
  const [loaded, setLoaded] = useState<{ fileId: string; url?: string; error?: string }>({
    fileId,
  });
  useEffect(() => {
    let live = true;
    uploads.thumbnail(fileId).then(
      (url) => {
        if (live) setLoaded({ fileId, url });
      },
      (error: unknown) => {
        if (live)
          setLoaded({
            fileId,
            error: error instanceof Error ? error.message : 'The image could not be loaded.',
          });
      },
    );
    return () => {
      live = false;
    };
  }, [uploads, fileId]);
  if (loaded.fileId !== fileId) return {};
  return {
    ...(loaded.url ? { url: loaded.url } : {}),
    ...(loaded.error ? { error: loaded.error } : {}),
  };
}
