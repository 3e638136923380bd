/** Types served inline; anything else is a download. None of them can run script. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);

/** A filename safe in a quoted header parameter, with the full name in `filename*`. */
function dispositionOf(inline: boolean, name: string | undefined): string {
  const kind = inline ? 'inline' : 'attachment';
  if (name === undefined || name === '') return kind;
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * The headers a stored file is served with from the app's origin: the type it was stored with
 * and never a sniffed one, inline only for the image types, and a CSP that lets nothing in it
 * run or load even if a browser were talked into rendering it as a page.
 */
export function fileHeaders(file: {
  contentType: string;
  size: number;
  sha256: string;
  name?: string;
}): Record<string, string> {
  const inline = INLINE_TYPES.has(file.contentType);
  return {
    'content-type': inline ? file.contentType : 'application/octet-stream',
    'content-length': String(file.size),
    'content-disposition': dispositionOf(inline, file.name),
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cross-origin-resource-policy': 'same-origin',
    etag: `"${file.sha256}"`,
  };
}

/** Whether an `If-None-Match` header names this ETag. */
export function matchesEtag(header: string | null, sha256: string): boolean {
  if (header === null) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim().replace(/^W\//, '');
    return trimmed === '*' || trimmed === `"${sha256}"`;
  });
}
