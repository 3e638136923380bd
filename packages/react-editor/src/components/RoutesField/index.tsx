import { isValidPortName, MAX_ROUTES, type Route } from '@galaxyflow/engine';

export interface RoutesFieldProps {
  /** The DOM id the field's label points at. */
  id: string;
  /** The field's label, for the group's accessible name. */
  label: string;
  /** The routes, `{ name, description }` each. */
  value: unknown;
  /** Writes the routes; `typing` marks keystrokes that coalesce into one undo step. */
  onChange: (value: unknown, typing: boolean) => void;
  /** The field lost focus: the typing burst ends. */
  onCommit: () => void;
  /** Shows the routes without allowing edits. Default false. */
  readOnly?: boolean;
}

const INTERACTIVE = 'nodrag nowheel nopan';

function routesOf(value: unknown): Route[] {
  if (!Array.isArray(value)) return [];
  return value.map((route) => ({
    name: typeof route?.name === 'string' ? route.name : '',
    description: typeof route?.description === 'string' ? route.description : '',
  }));
}

function problemOf(routes: readonly Route[], index: number): string | undefined {
  const name = routes[index]!.name.trim();
  if (name === '') return 'Name the route.';
  if (!isValidPortName(name)) return 'Letters, digits and _ only: the name is an output.';
  if (routes.findIndex((route) => route.name.trim() === name) !== index)
    return `Two routes are named "${name}".`;
  return undefined;
}

/** Edits the named routes of an LLM Router: each a name (its output) and a description the model reads. */
export function RoutesField({
  id,
  label,
  value,
  onChange,
  onCommit,
  readOnly = false,
}: RoutesFieldProps) {
  const routes = routesOf(value);
  const write = (next: Route[], typing: boolean) => onChange(next, typing);
  const update = (index: number, patch: Partial<Route>) =>
    write(
      routes.map((route, i) => (i === index ? { ...route, ...patch } : route)),
      true,
    );
  return (
    <fieldset id={id} aria-label={label} className="gf-routes">
      {routes.map((route, index) => {
        const n = index + 1;
        const problem = problemOf(routes, index);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: routes have no identity but their place; names change as the user types.
          <div className="gf-routes__row" key={index}>
            <input
              className={`gf-field__input ${INTERACTIVE}`}
              aria-label={`Route ${n} name`}
              aria-invalid={problem !== undefined}
              placeholder="name"
              value={route.name}
              readOnly={readOnly}
              onChange={(event) => update(index, { name: event.target.value })}
              onBlur={onCommit}
            />
            <button
              type="button"
              className={`gf-schema__remove ${INTERACTIVE}`}
              aria-label={`Remove route ${n}`}
              disabled={readOnly || routes.length <= 2}
              title={routes.length <= 2 ? 'A router needs at least two routes.' : undefined}
              onClick={() =>
                write(
                  routes.filter((_, i) => i !== index),
                  false,
                )
              }
            >
              ×
            </button>
            <input
              className={`gf-field__input gf-routes__description ${INTERACTIVE}`}
              aria-label={`Route ${n} description`}
              placeholder="What belongs on this route"
              value={route.description}
              readOnly={readOnly}
              onChange={(event) => update(index, { description: event.target.value })}
              onBlur={onCommit}
            />
            {problem && <span className="gf-field__error">{problem}</span>}
          </div>
        );
      })}
      {!readOnly && routes.length < MAX_ROUTES && (
        <button
          type="button"
          className={`gf-schema__add ${INTERACTIVE}`}
          onClick={() =>
            write([...routes, { name: `route${routes.length + 1}`, description: '' }], false)
          }
        >
          Add route
        </button>
      )}
    </fieldset>
  );
}
