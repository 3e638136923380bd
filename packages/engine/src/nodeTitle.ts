/**
 * The name a person knows a node by, for every message they read: the label they gave it
 * (`data.label`), else its type's label (`LLM`). Ids are for machines; messages carry the id in
 * their `nodeId` field, and editors show it on hover.
 */
export function nodeTitle(data: unknown, typeLabel: string): string {
  const label =
    typeof data === 'object' && data !== null ? (data as { label?: unknown }).label : undefined;
  return typeof label === 'string' && label.trim() !== '' ? label.trim() : typeLabel;
}

/** A node's title in quotes, as messages name it: `"Summarize"`. */
export function quotedTitle(data: unknown, typeLabel: string): string {
  return `"${nodeTitle(data, typeLabel)}"`;
}

/** A compiled node's title in quotes, for the scheduler's messages. */
export function titleOf(node: {
  readonly common: { label?: string | undefined };
  readonly definition: { label: string };
}): string {
  return quotedTitle(node.common, node.definition.label);
}
