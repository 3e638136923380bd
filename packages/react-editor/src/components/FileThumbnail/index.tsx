import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useThumbnail } from '../../hooks/useThumbnail';
import type { FileUploads } from '../../store/fileUploads';

export interface FileThumbnailProps {
  uploads: FileUploads;
  fileId: string;
  /** What the picture is, for screen readers. */
  alt: string;
}

/**
 * A stored image, small; pressed, it opens full size over the editor (Escape or the Close
 * button closes it).
 */
export function FileThumbnail({ uploads, fileId, alt }: FileThumbnailProps) {
  const { url, error } = useThumbnail(uploads, fileId);
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    // The view was asked for: the keyboard goes to its Close button, and back when it closes.
    close.current?.focus();
    const opener = button.current;
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      opener?.focus();
    };
  }, [open]);
  if (error) return <p className="gf-thumbnail gf-thumbnail--error">{error}</p>;
  if (!url)
    return (
      <div
        className="gf-thumbnail gf-thumbnail--loading"
        role="status"
        aria-label="Loading image"
      />
    );
  return (
    <>
      <button
        ref={button}
        type="button"
        className="gf-thumbnail nodrag"
        onClick={() => setOpen(true)}
        title="Open full size"
      >
        <img className="gf-thumbnail__image" src={url} alt={alt} />
      </button>
      {open &&
        createPortal(
          <div
            className="gf-lightbox nodrag nowheel"
            role="dialog"
            aria-modal="true"
            aria-label={`${alt}, full size`}
          >
            <img className="gf-lightbox__image" src={url} alt={alt} />
            <button
              type="button"
              className="gf-button gf-lightbox__close"
              onClick={() => setOpen(false)}
              ref={close}
            >
              Close
            </button>
          </div>,
          // Out of the canvas: inside its zoomed viewport, "fixed" would not mean the window.
          button.current?.closest('.gf-editor') ?? document.body,
        )}
    </>
  );
}
