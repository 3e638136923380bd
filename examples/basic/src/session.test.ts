import { describe, expect, it } from 'vitest';
import { clearDrafts, DRAFT_PREFIX, draftKeyFor, rememberToken, signOut } from './session';

/** A browser's local storage, in memory (the app's own tests run without a DOM). */
class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  clear(): void {
    this.items.clear();
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  keys(): string[] {
    return [...this.items.keys()];
  }
}

const ALICE = 'a1'.repeat(16);
const BOB = 'b2'.repeat(16);

describe('drafts per user', () => {
  it('keys a draft by user and workflow, without writing the token into the key', () => {
    const alices = draftKeyFor(ALICE, 'wf_1');
    expect(alices.startsWith(DRAFT_PREFIX)).toBe(true);
    expect(alices.endsWith(':wf_1')).toBe(true);
    expect(alices).not.toContain(ALICE);
    expect(draftKeyFor(ALICE, 'wf_1')).toBe(alices);
    // Same workflow id, another user: another key, so Bob is never offered Alice's draft.
    expect(draftKeyFor(BOB, 'wf_1')).not.toBe(alices);
    expect(draftKeyFor(ALICE, 'wf_2')).not.toBe(alices);
  });

  it('signing out forgets the token and every draft of this app, and nothing else', () => {
    const storage = new MemoryStorage();
    rememberToken(ALICE, storage);
    storage.setItem(draftKeyFor(ALICE, 'wf_1'), '{}');
    storage.setItem(draftKeyFor(BOB, 'wf_9'), '{}');
    storage.setItem('galaxyflow:draft:wf_old', '{}'); // written before drafts were scoped
    storage.setItem('theme', 'dark');

    signOut(storage);
    expect(storage.keys()).toEqual(['theme']);
  });

  it('a different sign-in token in the same browser takes the previous user’s drafts away', () => {
    const storage = new MemoryStorage();
    rememberToken(ALICE, storage);
    storage.setItem(draftKeyFor(ALICE, 'wf_1'), '{}');

    rememberToken(ALICE, storage); // the same login link again: her drafts stay
    expect(storage.getItem(draftKeyFor(ALICE, 'wf_1'))).toBe('{}');

    rememberToken(BOB, storage);
    expect(storage.keys()).toEqual(['galaxyflow.token']);
    expect(storage.getItem('galaxyflow.token')).toBe(BOB);
  });

  it('clearDrafts says how many drafts it removed', () => {
    const storage = new MemoryStorage();
    storage.setItem(draftKeyFor(ALICE, 'a'), '{}');
    storage.setItem(draftKeyFor(ALICE, 'b'), '{}');
    expect(clearDrafts(storage)).toBe(2);
    expect(clearDrafts(storage)).toBe(0);
  });
});
