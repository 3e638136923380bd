import { NOTE_NODE_TYPE } from '@galaxyflow/engine';
import { useStoreApi } from '@xyflow/react';
import { type DragEvent, useId, useMemo, useState } from 'react';
import { useEditorContext } from '../../hooks/useEditorContext';
import { useEditorState } from '../../hooks/useEditorState';
import { placeNewNode } from '../../layout/placeNode';
import { coveredByPanel } from '../../layout/revealOffset';
import { PALETTE_MIME } from './dragData';
import type { PaletteProps } from './types';

export type { PaletteProps } from './types';

/** What the palette lists of a type: the registry's definitions, and the note. */
interface PaletteEntry {
  type: string;
  label: string;
  category: string;
  description?: string | undefined;
}

/** Notes are no registry type (they never run), but are added like one. */
const NOTE_ENTRY: PaletteEntry = {
  type: NOTE_NODE_TYPE,
  label: 'Note',
  category: 'Annotate',
  description: 'A sticky note that documents the workflow; it never runs.',
};

function matches(definition: PaletteEntry, query: string): boolean {
  if (!query) return true;
  const haystack = `${definition.label} ${definition.type} ${definition.category} ${definition.description ?? ''}`;
  return haystack.toLowerCase().includes(query);
}

/** The node types of the registry, grouped by category, searchable; click or drag to add. */
export function Palette({ onAdd, defaultCollapsed = false }: PaletteProps) {
  const registry = useEditorState((state) => state.registry);
  const readOnly = useEditorState((state) => state.readOnly);
  const actions = useEditorState((state) => state.actions);
  const flowStore = useStoreApi();
  const { store: editorStore } = useEditorContext();
  const [query, setQuery] = useState('');
  const [collapsed, setCollapsed] = useState(defaultCollapsed);
  const searchId = useId();

  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const groups: { category: string; items: PaletteEntry[] }[] = registry.categories().map((category) => ({
      category,
      items: registry.list().filter((d) => d.category === category && matches(d, q)),
    }));
    groups.push({ category: NOTE_ENTRY.category, items: matches(NOTE_ENTRY, q) ? [NOTE_ENTRY] : [] });
    return groups.filter((group) => group.items.length > 0);
  }, [registry, query]);

  if (readOnly) return null;

  const add = (type: string) => {
    if (onAdd) return onAdd(type);
    const { width, height, transform, domNode } = flowStore.getState();
    const [tx, ty, zoom] = transform;
    // The centre of what is in view: a side panel lying over the canvas hides its right side.
    const inView = width - coveredByPanel(domNode);
    const centre = { x: (inView / 2 - tx) / zoom, y: (height / 2 - ty) / zoom };
    // Right of the selected node and wired to it when the ports fit, else free space near the centre.
    const placement = placeNewNode(editorStore.getState(), registry, type, centre);
    const id = actions.addNode(type, placement.position);
    if (id && placement.connectFrom) actions.connect({ ...placement.connectFrom, target: id });
  };

  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(PALETTE_MIME, type);
    event.dataTransfer.effectAllowed = 'copy';
  };

  return (
    <nav className={`gf-palette${collapsed ? ' gf-palette--collapsed' : ''}`} aria-label="Node palette">
      <div className="gf-palette__head">
        {!collapsed && <span className="gf-palette__title">Nodes</span>}
        <button
          type="button"
          className="gf-icon-button"
          aria-label={collapsed ? 'Show the node palette' : 'Hide the node palette'}
          aria-expanded={!collapsed}
          onClick={() => setCollapsed((value) => !value)}
        >
          {collapsed ? '»' : '«'}
        </button>
      </div>
      {!collapsed && (
        <>
          <label htmlFor={searchId} className="gf-visually-hidden">
            Search nodes
          </label>
          <input
            id={searchId}
            type="search"
            className="gf-palette__search"
            placeholder="Search nodes…"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={(event) => {
              const first = groups[0]?.items[0];
              if (event.key === 'Enter' && first) add(first.type);
            }}
          />
          <div className="gf-palette__groups">
            {groups.length === 0 && <p className="gf-palette__empty">No node matches “{query}”.</p>}
            {groups.map((group) => (
              <section key={group.category} className="gf-palette__group" aria-label={group.category}>
                <h3 className="gf-palette__category">{group.category}</h3>
                <ul>
                  {group.items.map((definition) => (
                    <li
                      key={definition.type}
                      className="gf-palette__item"
                      draggable
                      onDragStart={(event) => onDragStart(event, definition.type)}
                    >
                      {/* The button covers the whole card; the description stays outside its name. */}
                      <button
                        type="button"
                        className="gf-palette__add"
                        onClick={() => add(definition.type)}
                        aria-label={`Add ${definition.label} node`}
                        aria-describedby={definition.description ? `${searchId}-${definition.type}` : undefined}
                      >
                        {definition.label}
                      </button>
                      {definition.description && (
                        <span id={`${searchId}-${definition.type}`} className="gf-palette__item-description">
                          {definition.description}
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          </div>
        </>
      )}
    </nav>
  );
}
