const KEY = 'galaxyflow.token';

/**
 * The sign-in token: taken from `?token=` on first visit (the printed login URL), kept in
 * this browser's storage, and removed from the address bar so it is not shared by a copied link.
 */
export function readSessionToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    window.localStorage.setItem(KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return window.localStorage.getItem(KEY);
}

export function signOut(): void {
  window.localStorage.removeItem(KEY);
}
