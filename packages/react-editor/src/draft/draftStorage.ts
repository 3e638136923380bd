import type { Workflow } from '@galaxyflow/engine';

/** An unsaved edit kept in local storage. */
export interface Draft {
  /** Epoch ms of the last write. */
  savedAt: number;
  /** The server version the edit was based on, when there is one. */
  baseVersion?: number;
  workflow: Workflow;
}

function storage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage;
  } catch {
    // Storage can be disabled (privacy settings, sandboxed frames).
    return null;
  }
}

/** The draft under a key, or null when none (or it is unreadable). */
export function readDraft(key: string): Draft | null {
  const raw = storage()?.getItem(key);
  if (!raw) return null;
  try {
    const draft = JSON.parse(raw) as Partial<Draft>;
    if (typeof draft.savedAt !== 'number' || !draft.workflow || !Array.isArray(draft.workflow.nodes)) return null;
    return draft as Draft;
  } catch {
    return null;
  }
}

/** Writes a draft; false when storage is unavailable or full. */
export function writeDraft(key: string, draft: Draft): boolean {
  try {
    const target = storage();
    if (!target) return false;
    target.setItem(key, JSON.stringify(draft));
    return true;
  } catch {
    return false;
  }
}

export function clearDraft(key: string): void {
  try {
    storage()?.removeItem(key);
  } catch {
    // Nothing to clear where storage is unavailable.
  }
}
