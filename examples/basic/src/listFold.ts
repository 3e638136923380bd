const FOLDED_KEY = 'galaxyflow.listFolded';

/** Whether the person folded the list of workflows to a rail at this browser; unfolded until they do. */
export function readListFolded(storage: Storage = window.localStorage): boolean {
  return storage.getItem(FOLDED_KEY) === 'true';
}

/** Remembers the choice for the next visit. */
export function rememberListFolded(folded: boolean, storage: Storage = window.localStorage): void {
  if (folded) storage.setItem(FOLDED_KEY, 'true');
  else storage.removeItem(FOLDED_KEY);
}
