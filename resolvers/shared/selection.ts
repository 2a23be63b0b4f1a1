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
  let selection = collect(info, info.fieldNodes, undefined, true);
  for (const name of path) selection = selection[name] ?? LEAF;
  return selection;
}

/**
 * `selectionOf` without reading `@skip` / `@include` (a field named under any directive
 * counts): a superset that depends on the document alone, so it is worked out once per field
 * (the field nodes are the document's, shared by every item of a list and every request of the
 * document) and a resolver called for each item can ask it without allocating.
 */
export function mentionedSelection(info: GraphQLResolveInfo): Selection {
  let selection = mentioned.get(info.fieldNodes);
  if (!selection) {
    selection = collect(info, info.fieldNodes, undefined, false);
    mentioned.set(info.fieldNodes, selection);
  }
  return selection;
}

// Bound: one entry per field node list of a cached document (weakly held).
const mentioned = new WeakMap<readonly FieldNode[], Selection>();

function collect(
  info: GraphQLResolveInfo,
  nodes: readonly FieldNode[],
  into: Record<string, Selection> | undefined,
  directives: boolean,
): Selection {
  const fields: Record<string, Selection> = into ?? {};
  for (const node of nodes) if (node.selectionSet) add(info, node.selectionSet, fields, directives);
  return fields;
}

function add(
  info: GraphQLResolveInfo,
  set: SelectionSetNode,
  fields: Record<string, Selection>,
  directives: boolean,
) {
  for (const selection of set.selections) {
    if (directives && !included(info, selection)) continue;
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
        fields[name] = collect(info, [selection], merged, directives);
        break;
      }
      case 'InlineFragment':
        add(info, selection.selectionSet, fields, directives);
        break;
      case 'FragmentSpread': {
        const fragment = info.fragments[selection.name.value];
        if (fragment) add(info, fragment.selectionSet, fields, directives);
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
