import * as z from 'zod';
import { defineNode, isValidPortName } from '../defineNode';
import { GalaxyError } from '../errors';
import type { JsonSchema } from '../jsonSchema';
import type { ProviderCallRequest } from '../providers/providerSet';
import type { PortMap } from '../types';
import {
  checkModelId,
  fillPrompt,
  modelCallData,
  modelField,
  providerField,
  temperatureField,
} from './llm';
import { callStructured } from './structured';

/** Most routes one router offers. */
export const MAX_ROUTES = 32;

const RouteSchema = z.object({
  /** The output port the input leaves by when the model picks this route. */
  name: z.string().trim().min(1).max(64),
  /** What belongs on this route, in words the model reads. */
  description: z.string().max(2_000).default(''),
});

/** One route of an LLM Router: a name (its output port) and what belongs there. */
export type Route = z.output<typeof RouteSchema>;

const RouterData = z
  .object({
    ...modelCallData,
    /** What the model is shown; `{{input}}` is the input, `{{context}}` the context inputs. */
    prompt: z.string().max(1_000_000).default('{{input}}'),
    routes: z
      .array(RouteSchema)
      .min(2, 'A router needs at least two routes.')
      .max(MAX_ROUTES, `A router has at most ${MAX_ROUTES} routes.`)
      .default([
        { name: 'question', description: 'The input asks a question.' },
        { name: 'other', description: 'Anything else.' },
      ]),
  })
  .superRefine(checkModelId)
  .superRefine((data, ctx) => {
    const seen = new Set<string>();
    data.routes.forEach((route, index) => {
      if (!isValidPortName(route.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', index, 'name'],
          message: `The route name "${route.name}" must be an identifier (letters, digits, _): it names an output.`,
        });
      } else if (seen.has(route.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', index, 'name'],
          message: `Two routes are named "${route.name}".`,
        });
      }
      seen.add(route.name);
    });
  });

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value, null, 2);
}

/** The structured answer the router asks for: one of the route names, and why. */
export function routeChoiceSchema(routes: readonly Route[]): JsonSchema {
  return {
    type: 'object',
    properties: {
      route: {
        type: 'string',
        enum: routes.map((route) => route.name),
        description: 'The one route the input belongs on.',
      },
      reason: { type: 'string', description: 'One short sentence: why this route.' },
    },
    required: ['route', 'reason'],
  };
}

function instructions(routes: readonly Route[]): string {
  const lines = routes.map(
    (route) => `- ${route.name}${route.description.trim() ? `: ${route.description.trim()}` : ''}`,
  );
  return [
    'Classify the input into exactly one of these routes:',
    ...lines,
    'Answer with JSON: "route" is the route\'s name exactly as written above, "reason" one short sentence saying why.',
  ].join('\n');
}

/**
 * Lets a model choose where the input goes: it classifies the input into one of the named
 * routes (structured output with the names as an enum) and the input leaves by that route's
 * output only; the other outputs stay unset, so their branches are not taken.
 */
export const llmRouterNode = /* @__PURE__ */ defineNode({
  type: 'llm-router',
  label: 'LLM Router',
  category: 'AI',
  description: 'A language model sends the input down one of several named routes.',
  inputs: {
    input: {
      type: 'any',
      required: true,
      label: 'Input',
      description: 'What to classify; it leaves by the chosen route.',
    },
    context: {
      type: 'any',
      multiple: true,
      label: 'Context',
      description: 'Fills {{context}}; appended when the prompt does not use it.',
    },
  },
  outputs: (data: z.output<typeof RouterData>): PortMap => {
    const ports: PortMap = {};
    for (const route of Array.isArray(data.routes) ? data.routes : []) {
      if (typeof route?.name === 'string' && !Object.hasOwn(ports, route.name)) {
        ports[route.name] = {
          type: 'any',
          label: route.name,
          ...(route.description ? { description: route.description } : {}),
        };
      }
    }
    return ports;
  },
  data: RouterData,
  fields: {
    routes: {
      kind: 'routes',
      label: 'Routes',
      help: 'Each route is an output; the model picks one by its description.',
    },
    provider: providerField,
    model: /* @__PURE__ */ modelField('models'),
    prompt: {
      kind: 'textarea',
      label: 'Prompt',
      placeholder: 'Which team should answer this ticket? {{input}}',
      help: '{{input}} is the input, {{context}} the context inputs.',
      advanced: true,
    },
    system: { kind: 'textarea', label: 'System prompt', advanced: true },
    temperature: temperatureField,
  },
  run: async (args) => {
    const { nodeId, inputs, data, signal, context, log, setMeta } = args;
    const request: ProviderCallRequest = {
      provider: data.provider,
      prompt: fillPrompt(data.prompt, asText(inputs.input), inputs.context ?? []),
      system: [data.system.trim(), instructions(data.routes)].filter(Boolean).join('\n\n'),
      signal,
    };
    if (data.model) request.model = data.model;
    if (data.temperature !== undefined) request.temperature = data.temperature;
    if (data.maxTokens !== undefined) request.maxTokens = data.maxTokens;

    let choice: { route: string; reason: string };
    try {
      const answer = await callStructured(context, request, args, {
        nodeId,
        schema: routeChoiceSchema(data.routes),
        schemaName: 'route_choice',
      });
      choice = answer.value as { route: string; reason: string };
    } catch (error) {
      if (error instanceof GalaxyError && error.code === 'E_STRUCTURED_OUTPUT_INVALID') {
        throw new GalaxyError(
          'E_ROUTER_INVALID_ROUTE',
          `The model did not choose one of the routes (${data.routes.map((r) => r.name).join(', ')}), even after a repair request: ${(error.details?.problems as string[] | undefined)?.slice(0, 3).join('; ') ?? error.message}.`,
          { nodeId, cause: error, ...(error.details ? { details: error.details } : {}) },
        );
      }
      throw error;
    }
    setMeta({ route: choice.route, reason: choice.reason });
    log('info', `Routed to "${choice.route}": ${choice.reason}`, {
      route: choice.route,
      reason: choice.reason,
    });
    return { [choice.route]: inputs.input };
  },
});
