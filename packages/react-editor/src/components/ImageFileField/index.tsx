import { type ChangeEvent, useRef } from 'react';
import { useUpload } from '../../hooks/useUpload';
import type { FileUploads } from '../../store/fileUploads';
import { FileThumbnail } from '../FileThumbnail';

export interface ImageFileFieldProps {
  nodeId: string;
  /** The stored file the node refers to, if any. */
  fileId: string | undefined;
  uploads: FileUploads;
  /** The host stores files: upload and replace are offered. */
  canUpload: boolean;
  readOnly: boolean;
  /** Clears the node's file (it goes back to its URL). */
  onRemove: () => void;
}

/** An Image node's uploaded picture: the bar while it uploads, the thumbnail, replace and remove. */
export function ImageFileField({
  nodeId,
  fileId,
  uploads,
  canUpload,
  readOnly,
  onRemove,
}: ImageFileFieldProps) {
  const upload = useUpload(uploads, nodeId);
  const picker = useRef<HTMLInputElement>(null);
  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file) uploads.start(nodeId, file);
  };
  const editable = canUpload && !readOnly;
  return (
    <div className="gf-image-file nodrag">
      {upload?.status === 'uploading' && (
        <div className="gf-image-file__progress">
          <progress
            className="gf-progress"
            aria-label={`Uploading ${upload.name}`}
            max={1}
            {...(upload.fraction === null ? {} : { value: upload.fraction })}
          />
        </div>
      )}
      {upload?.status === 'failed' && (
        <p className="gf-image-file__error" role="alert">
          {upload.name} was not uploaded: {upload.message}
        </p>
      )}
      {fileId !== undefined && (
        <FileThumbnail uploads={uploads} fileId={fileId} alt="Uploaded image" />
      )}
      {editable && (
        <div className="gf-image-file__actions">
          <button
            type="button"
            className="gf-button gf-button--small"
            onClick={() => picker.current?.click()}
          >
            {fileId !== undefined ? 'Replace' : 'Upload image'}
          </button>
          {(fileId !== undefined || upload?.status === 'failed') && (
            <button
              type="button"
              className="gf-button gf-button--small"
              onClick={() => {
                uploads.clear(nodeId);
                onRemove();
              }}
            >
              Remove
            </button>
          )}
          <input
            ref={picker}
            type="file"
            accept="image/png,image/jpeg,image/webp,image/gif"
            hidden
            aria-label="Image file"
            onChange={onPick}
          />
        </div>
      )}
    </div>
  );
}
