import { type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';

/** One action of a context menu. */
export interface ContextMenuItem {
  label: string;
  /** The keyboard shortcut that does the same, as the help lists it (`Mod+D`). */
  shortcut?: string;
  disabled?: boolean;
  /** Drawn in the danger colour (Delete). */
  danger?: boolean;
  onSelect(): void;
}

export interface ContextMenuProps {
  /** What the menu is about, e.g. "Node actions: Summarize". */
  label: string;
  items: readonly ContextMenuItem[];
  /** Where it opens, in pixels from the top-left corner of its positioned container. */
  at: { x: number; y: number };
  /** Closes it; `restoreFocus` when closed from the keyboard (Escape, Tab or an action). */
  onClose(restoreFocus: boolean): void;
}

const isMac = () => typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** A shortcut as this device writes it: Mod is ⌘ on Apple devices and Ctrl elsewhere. */
export function shortcutText(shortcut: string): string {
  return shortcut.replaceAll('Mod', isMac() ? '⌘' : 'Ctrl');
}

/** `Mod+Shift+Z` as `aria-keyshortcuts` wants it: `Control+Shift+Z`. */
function ariaShortcut(shortcut: string): string {
  return shortcut
    .replaceAll('Mod', isMac() ? 'Meta' : 'Control')
    .replace(/Delete \/ Backspace/, 'Delete');
}

/**
 * A menu of actions at the pointer (or at the focused element, opened from the keyboard with
 * Shift+F10 or the menu key). The first action takes the focus; arrows, Home and End move it;
 * Enter runs one; Escape, Tab or a click elsewhere closes it.
 */
export function ContextMenu({ label, items, at, onClose }: ContextMenuProps) {
  const menu = useRef<HTMLDivElement>(null);
  const [position, setPosition] = useState(at);

  // Kept inside its container: a menu opened near the right or bottom edge opens leftwards or upwards.
  useLayoutEffect(() => {
    const element = menu.current;
    const box = element?.offsetParent?.getBoundingClientRect();
    if (!element || !box) return;
    const x = Math.max(4, Math.min(at.x, box.width - element.offsetWidth - 4));
    const y = Math.max(4, Math.min(at.y, box.height - element.offsetHeight - 4));
    setPosition({ x, y });
  }, [at]);

  useEffect(() => {
    menu.current
      ?.querySelector<HTMLButtonElement>('[role="menuitem"]:not(:disabled)')
      ?.focus({ preventScroll: true });
    const onPointerDown = (event: PointerEvent) => {
      if (!menu.current?.contains(event.target as Node)) onClose(false);
    };
    document.addEventListener('pointerdown', onPointerDown, true);
    return () => document.removeEventListener('pointerdown', onPointerDown, true);
  }, [onClose]);

  const move = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [
      ...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]:not(:disabled)') ??
        []),
    ];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    let next: number | null = null;
    if (event.key === 'ArrowDown') next = (index + 1) % buttons.length;
    else if (event.key === 'ArrowUp') next = (index - 1 + buttons.length) % buttons.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = buttons.length - 1;
    else if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault();
      // The editor's own Escape (clear the selection, close a panel) is not also wanted.
      event.stopPropagation();
      onClose(true);
      return;
    }
    if (next === null) {
      // Shortcuts typed while the menu is open are not the editor's: the menu has the focus.
      event.stopPropagation();
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    buttons[next]?.focus();
  };

  return (
    <div
      ref={menu}
      className="gf-context-menu"
      role="menu"
      aria-label={label}
      style={{ left: position.x, top: position.y }}
      onKeyDown={move}
      onContextMenu={(event) => event.preventDefault()}
    >
      {items.map((item) => (
        <button
          key={item.label}
          type="button"
          role="menuitem"
          className={`gf-context-menu__item${item.danger ? ' gf-context-menu__item--danger' : ''}`}
          disabled={item.disabled}
          tabIndex={-1}
          {...(item.shortcut ? { 'aria-keyshortcuts': ariaShortcut(item.shortcut) } : {})}
          onClick={() => {
            onClose(true);
            item.onSelect();
          }}
        >
          <span>{item.label}</span>
          {item.shortcut && (
            <kbd className="gf-context-menu__shortcut">{shortcutText(item.shortcut)}</kbd>
          )}
        </button>
      ))}
    </div>
  );
}
