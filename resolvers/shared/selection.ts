import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

/**
 * The fields a query selects below a field, by field name (aliases and fragments merged,
 * `@skip`/`@include` applied): `{ app: { name: {}, supportedAuthConfigs: { type: {} } } }`.
 * A leaf is an empty object, so `selection.app?.supportedAuthConfigs` reads as "is it asked
 * for". Type conditions are not checked: a field under any fragment counts, which at worst
 * reads a nested part nobody shows.
 */
export interface Selection {
  readonly [field: string]: Selection | undefined;
}

const LEAF: Selection = Object.freeze({});

/**
 * What the query selects under this resolver's field, then under `path` within it (a page
 * resolver passes `['items']`).
 */
export function selectionOf(info: GraphQLResolveInfo, ...path: string[]): Selection {
  let selection = collect(info, info.fieldNodes, undefined);
  for (const name of path) selection = selection[name] ?? LEAF;
  return selection;
}

function collect(
  info: GraphQLResolveInfo,
  nodes: readonly FieldNode[],
  into: Record<string, Selection> | undefined,
): Selection {
  const fields: Record<string, Selection> = into ?? {};
  for (const node of nodes) if (node.selectionSet) add(info, node.selectionSet, fields);
  return fields;
}

function add(info: GraphQLResolveInfo, set: SelectionSetNode, fields: Record<string, Selection>) {
  for (const selection of set.selections) {
    if (!included(info, selection)) continue;
    switch (selection.kind) {
      case 'Field': {
        const name = selection.name.value;
        if (!selection.selectionSet) {
          fields[name] ??= LEAF;
          break;
        }
        const existing = fields[name];
        const merged: Record<string, Selection> =
          existing && existing !== LEAF ? (existing as Record<string, Selection>) : {};
        fields[name] = collect(info, [selection], merged);
        break;
      }
      case 'InlineFragment':
        add(info, selection.selectionSet, fields);
        break;
      case 'FragmentSpread': {
        const fragment = info.fragments[selection.name.value];
        if (fragment) add(info, fragment.selectionSet, fields);
        break;
      }
    }
  }
}

function included(info: GraphQLResolveInfo, node: SelectionSetNode['selections'][number]): boolean {
  if (!node.directives?.length) return true;
  const skip = getDirectiveValues(GraphQLSkipDirective, node, info.variableValues);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues);
  return include?.if !== false;
}

/** Several selections as one (a field asked for under any of them counts, with all its fields). */
export function mergedSelections(...selections: (Selection | undefined)[]): Selection {
  const merged: Record<string, Selection> = {};
  for (const selection of selections)
    for (const [name, sub] of Object.entries(selection ?? {}))
      merged[name] = merged[name] ? mergedSelections(merged[name], sub) : (sub ?? LEAF);
  return merged;
}

// Bound: one entry per field node list of a cached document (weakly held).
const mentioned = new WeakMap<readonly FieldNode[], Map<string, boolean>>();

/**
 * Whether the query names `field` directly under this resolver's field, through fragments
 * too, whatever `@skip` / `@include` say: a superset of `selectionOf`, answered from a cache
 * per field (the field nodes are the document's, shared by every item of a list and every
 * request of the document), so a resolver called for each item can ask without allocating.
 */
export function mentions(info: GraphQLResolveInfo, field: string): boolean {
  let byField = mentioned.get(info.fieldNodes);
  if (!byField) mentioned.set(info.fieldNodes, (byField = new Map()));
  let answer = byField.get(field);
  if (answer === undefined) {
    answer = info.fieldNodes.some(
      (node) => node.selectionSet !== undefined && names(info, node.selectionSet, field),
    );
    byField.set(field, answer);
  }
  return answer;
}

function names(info: GraphQLResolveInfo, set: SelectionSetNode, field: string): boolean {
  return set.selections.some((selection) => {
    switch (selection.kind) {
      case 'Field':
        return selection.name.value === field;
      case 'InlineFragment':
        return names(info, selection.selectionSet, field);
      case 'FragmentSpread': {
        const fragment = info.fragments[selection.name.value];
        return fragment !== undefined && names(info, fragment.selectionSet, field);
      }
    }
  });
}
