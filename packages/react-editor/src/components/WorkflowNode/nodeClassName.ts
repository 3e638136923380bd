import type { AnyNodeDefinition } from '@galaxyflow/engine';
import type { NodeRunStatus } from '../../types';

function categoryClass(category: string): string {
  return `gf-node--cat-${category.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

/** The classes of a node's card: category colour, run status, issues, selection, compactness. */
export function nodeClassName(
  definition: AnyNodeDefinition | undefined,
  status: NodeRunStatus | undefined,
  invalid: boolean,
  selected: boolean,
  compact: boolean,
): string {
  let name = definition ? `gf-node ${categoryClass(definition.category)}` : 'gf-node gf-node--unknown';
  if (status) name += ` gf-node--${status}`;
  if (invalid) name += ' gf-node--invalid';
  if (selected) name += ' gf-node--selected';
  if (compact) name += ' gf-node--compact';
  return name;
}
