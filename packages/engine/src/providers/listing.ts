import * as z from 'zod';
import type { ValidationIssue } from '../errors';
import type { NodeRegistry } from '../registry';
import type { WorkflowInput } from '../schema';
import { providerCatalog, providerInfo } from './catalog';
import type { ProviderSet } from './providerSet';

/** One provider a server has configured, as an editor lists it. Nothing secret: no keys, no URLs. */
export const ProviderSummarySchema = z.object({
  /** The value a node's `provider` field holds, e.g. `gemini`. */
  name: z.string(),
  /** The name shown to people, e.g. `Gemini`. */
  label: z.string(),
  /** Text models to offer, the provider's default first. */
  models: z.array(z.string()),
  /** Models that accept images, the provider's vision default first; empty when it takes none. */
  visionModels: z.array(z.string()),
  /** Whether the provider accepts images (Vision node). */
  supportsImages: z.boolean(),
  /** Whether a node left on "Server default" is answered by this provider. */
  default: z.boolean(),
});
export type ProviderSummary = z.output<typeof ProviderSummarySchema>;

/** What `GET /providers` answers: the configured providers, the default one flagged. */
export const ProviderListSchema = z.object({
  providers: z.array(ProviderSummarySchema),
  /** The provider of nodes left on "Server default"; null when none is configured. */
  defaultProvider: z.string().nullable(),
});
export type ProviderList = z.output<typeof ProviderListSchema>;

/** Every built-in provider, as if each were configured: for demos and in-memory clients. */
export function catalogProviderList(): ProviderList {
  return {
    providers: providerCatalog.map((info, index) => ({
      name: info.name,
      label: info.label,
      models: [...info.models],
      visionModels: [...info.visionModels],
      supportsImages: info.visionModels.length > 0,
      default: index === 0,
    })),
    defaultProvider: providerCatalog[0]?.name ?? null,
  };
}

function uniqueFirst(first: string | undefined, rest: readonly string[]): string[] {
  return [...new Set([...(first ? [first] : []), ...rest])];
}

/**
 * The provider a node left on "Server default" (an empty `provider`) is answered by: the first
 * configured one, or for images the first that accepts them. Undefined when there is none.
 */
export function defaultProviderOf(
  providers: ProviderSet,
  options: { images?: boolean } = {},
): string | undefined {
  if (options.images) {
    const seeing = providers.names.find((name) => providers.get(name)?.supportsImages);
    if (seeing) return seeing;
  }
  return providers.names[0];
}

/**
 * Describes a host's configured providers for `GET /providers`: names, display names, models
 * (the provider's default first, then the catalog's suggestions) and which is the default.
 * Reads only public facts of each provider, never its key or base URL.
 */
export function describeProviders(providers: ProviderSet | undefined): ProviderList {
  if (!providers) return { providers: [], defaultProvider: null };
  const fallback = defaultProviderOf(providers) ?? null;
  const summaries: ProviderSummary[] = [];
  for (const name of providers.names) {
    const provider = providers.get(name);
    if (!provider) continue;
    const info = providerInfo(name);
    const visionDefault = provider.supportsImages
      ? (provider.defaultVisionModel ?? provider.defaultModel)
      : undefined;
    summaries.push({
      name,
      label: provider.label,
      models: uniqueFirst(provider.defaultModel, info?.models ?? []),
      visionModels: provider.supportsImages
        ? uniqueFirst(visionDefault, info?.visionModels ?? [])
        : [],
      supportsImages: provider.supportsImages,
      default: name === fallback,
    });
  }
  return { providers: summaries, defaultProvider: fallback };
}

/**
 * Flags nodes that name a provider the server does not have, before anything runs: every field
 * drawn from the server's providers (`optionsFrom: 'providers'`) whose value is neither empty
 * ("Server default") nor a configured provider. When the server has none at all, nodes on the
 * server default are flagged too.
 */
export function providerIssues(
  workflow: Pick<WorkflowInput, 'nodes'>,
  registry: NodeRegistry,
  list: ProviderList,
): ValidationIssue[] {
  const configured = new Set(list.providers.map((provider) => provider.name));
  const labels = list.providers.map((provider) => provider.label).join(', ');
  const issues: ValidationIssue[] = [];
  workflow.nodes.forEach((node, index) => {
    const definition = registry.get(node.type);
    if (!definition?.fields) return;
    const data = (node.data ?? {}) as Record<string, unknown>;
    for (const [key, spec] of Object.entries(definition.fields)) {
      if (spec.optionsFrom !== 'providers') continue;
      const value = typeof data[key] === 'string' ? (data[key] as string).trim() : '';
      if (value !== '' && configured.has(value)) continue;
      if (value === '' && configured.size > 0) continue;
      const title =
        typeof data.label === 'string' && data.label.trim() ? data.label.trim() : definition.label;
      const known = providerInfo(value)?.label ?? value;
      issues.push({
        code: 'E_PROVIDER_NOT_CONFIGURED',
        message:
          configured.size === 0
            ? `"${title}" needs a model provider, and this server has none configured.`
            : `"${title}" uses ${known}, which this server does not have; pick one of: ${labels}.`,
        nodeId: node.id,
        path: ['nodes', index, 'data', key],
      });
    }
  });
  return issues;
}
