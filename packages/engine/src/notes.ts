import * as z from 'zod';
import type { ValidationIssue } from './errors';

/**
 * The node type of a sticky note: an annotation that documents a workflow on the canvas. It
 * is not in any registry and never runs: validation and runs leave notes out (they check a
 * note's own data, and refuse an edge that touches one), so a saved workflow keeps its notes
 * and its runs never see them.
 */
export const NOTE_NODE_TYPE = 'note';

/** The colours a note can take. */
export const NOTE_COLORS = ['yellow', 'blue', 'green', 'pink', 'gray'] as const;
export type NoteColor = (typeof NOTE_COLORS)[number];

/** A note's `data`: its text (plain, with light markdown), colour and size on the canvas. */
export const NoteDataSchema = z.object({
  /** Plain text; `#` headings, `-` lists and `**bold**` are drawn, nothing else is interpreted. */
  text: z.string().max(10_000).default(''),
  color: z.enum(NOTE_COLORS).default('yellow'),
  /** Canvas pixels. Default the note's natural size. */
  width: z.number().min(120).max(2_000).optional(),
  height: z.number().min(60).max(2_000).optional(),
  label: z.string().max(200).optional(),
});
export type NoteData = z.infer<typeof NoteDataSchema>;

/** Whether a workflow node is a note. */
export function isNoteNode(node: { type?: unknown }): boolean {
  return node.type === NOTE_NODE_TYPE;
}

/** A workflow document with its notes taken out, and how to name issues found in what is left. */
export interface WithoutNotes {
  /** The document without notes and the edges that touch them; the input itself when it has none. */
  input: unknown;
  /** Issues of the notes themselves: invalid data, edges that touch one. */
  issues: ValidationIssue[];
  /** Index in the original `nodes` of each kept node, or null when nothing was taken out. */
  nodeIndex: number[] | null;
  /** Index in the original `edges` of each kept edge, or null when nothing was taken out. */
  edgeIndex: number[] | null;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * Takes the notes out of a workflow document before it is validated and run. A document
 * without notes comes back as it is (the same object), so a validated workflow is still
 * recognised by identity.
 */
export function withoutNotes(input: unknown): WithoutNotes {
  const document = record(input);
  const nodes = document?.nodes;
  if (
    !document ||
    !Array.isArray(nodes) ||
    !nodes.some((node) => record(node)?.type === NOTE_NODE_TYPE)
  ) {
    return { input, issues: [], nodeIndex: null, edgeIndex: null };
  }
  const issues: ValidationIssue[] = [];
  const noteIds = new Set<string>();
  const keptNodes: unknown[] = [];
  const nodeIndex: number[] = [];
  nodes.forEach((node, index) => {
    const value = record(node);
    if (value?.type !== NOTE_NODE_TYPE) {
      keptNodes.push(node);
      nodeIndex.push(index);
      return;
    }
    const id = typeof value.id === 'string' ? value.id : undefined;
    if (id !== undefined) noteIds.add(id);
    const parsed = NoteDataSchema.safeParse(value.data ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = [
          'nodes',
          index,
          'data',
          ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        ];
        issues.push({
          code: 'E_INVALID_DATA',
          message: `Note: ${issue.path.join('.') || 'data'}: ${issue.message}`,
          path,
          ...(id !== undefined ? { nodeId: id } : {}),
        });
      }
    }
  });
  const edges = Array.isArray(document.edges) ? document.edges : [];
  const keptEdges: unknown[] = [];
  const edgeIndex: number[] = [];
  edges.forEach((edge, index) => {
    const value = record(edge);
    const note = [value?.source, value?.target].find(
      (end) => typeof end === 'string' && noteIds.has(end),
    );
    if (typeof note !== 'string') {
      keptEdges.push(edge);
      edgeIndex.push(index);
      return;
    }
    issues.push({
      code: 'E_NOTE_CONNECTED',
      message: `Edge "${String(value?.id)}" touches a note; notes document the workflow and cannot be connected.`,
      nodeId: note,
      ...(typeof value?.id === 'string' ? { edgeId: value.id } : {}),
      path: ['edges', index],
    });
  });
  return {
    input: {
      ...document,
      nodes: keptNodes,
      ...(Array.isArray(document.edges) ? { edges: keptEdges } : {}),
    },
    issues,
    nodeIndex,
    edgeIndex,
  };
}

/** Points an issue found in the document without notes back at the original document. */
export function renumberIssue(issue: ValidationIssue, stripped: WithoutNotes): ValidationIssue {
  const [list, index, ...rest] = issue.path ?? [];
  if (typeof index !== 'number' || list === undefined) return issue;
  const map = list === 'nodes' ? stripped.nodeIndex : list === 'edges' ? stripped.edgeIndex : null;
  const original = map?.[index];
  if (original === undefined) return issue;
  return { ...issue, path: [list, original, ...rest] };
}
