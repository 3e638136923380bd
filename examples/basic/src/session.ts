const TOKEN_KEY = 'galaxyflow.token';

/** Every draft this app keeps sits under this prefix, then the user's scope: see `draftKeyFor`. */
export const DRAFT_PREFIX = 'galaxyflow-basic:draft:';
/** The editor's default draft key prefix, which this app used for every user before drafts were scoped. */
const UNSCOPED_DRAFT_PREFIX = 'galaxyflow:draft:';

/**
 * A short tag for the signed-in user, from their token (cyrb53). Not a secret and not a
 * security measure: the token itself is in this storage. It only keeps one user's drafts
 * apart from another's on a shared browser, without writing the token into key names.
 */
function scopeOf(token: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** The editor's `draftKey` for a workflow of the user signed in with `token`. */
export function draftKeyFor(token: string, workflowId: string): string {
  return `${DRAFT_PREFIX}${scopeOf(token)}:${workflowId}`;
}

/** Removes every draft this app wrote, whoever's; returns how many there were. */
export function clearDrafts(storage: Storage = window.localStorage): number {
  const keys: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key?.startsWith(DRAFT_PREFIX) || key?.startsWith(UNSCOPED_DRAFT_PREFIX)) keys.push(key);
  }
  for (const key of keys) storage.removeItem(key);
  return keys.length;
}

/**
 * Keeps `token` as this browser's sign-in. A different token than the one kept is someone
 * else (or a replaced token): the drafts of the previous sign-in go, as on a sign-out.
 */
export function rememberToken(token: string, storage: Storage = window.localStorage): void {
  const previous = storage.getItem(TOKEN_KEY);
  if (previous !== null && previous !== token) clearDrafts(storage);
  storage.setItem(TOKEN_KEY, token);
}

/**
 * The sign-in token: taken from `?token=` on first visit (the printed login URL), kept in
 * this browser's storage, and removed from the address bar so it is not shared by a copied link.
 */
export function readSessionToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    rememberToken(fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return window.localStorage.getItem(TOKEN_KEY);
}

/**
 * Forgets the token and every unsaved draft of this app, so the next person at this browser
 * finds nothing of the last one's work. Call it once the editor has closed: closing writes
 * the editor's pending draft.
 */
export function signOut(storage: Storage = window.localStorage): void {
  storage.removeItem(TOKEN_KEY);
  clearDrafts(storage);
}
