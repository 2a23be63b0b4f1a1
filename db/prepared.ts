import type { CompiledQuery, Kysely, QueryExecutorProvider } from 'kysely';
import type { Database } from './database.js';
import { nameStatement } from './named-statements.js';
import { rowsOnConnection } from './transaction.js';

/**
 * How many shapes of one `prepared` statement are named at most: every shape of the largest
 * page statement (connector connections: 2^6 subsets of parts × cursor or none × one connector
 * or all), while an update's sets of changed columns (up to 2^12 for a database connection)
 * cannot fill each server session with thousands of kept statements.
 */
export const MAX_NAMED_SHAPES = 256;

/** Stands in for an argument (or one field of a record argument) while a statement is built. */
class Placeholder {
  constructor(
    readonly arg: number,
    readonly field?: string,
  ) {}
}

/**
 * An argument that chooses the statement's shape rather than a value in it (which nested
 * parts a page reads, say): the builder gets `value` as it is and may branch on it, and each
 * distinct `key` is compiled once. The key must name everything about `value` the builder
 * looks at, and come from a small set fixed by the calling code (never from a request's
 * values): it bounds the compiled statements.
 */
export class StatementShape<T> {
  constructor(
    readonly key: string,
    readonly value: T,
  ) {}
}

/** A query builder, or a `sql` template (which compiles against a database). */
interface Buildable<Row> {
  compile(executorProvider: QueryExecutorProvider): CompiledQuery<Row>;
}

interface Template {
  compiled: CompiledQuery;
  /** Per `$n`: where its value comes from, or the constant the builder put there. */
  parameters: readonly unknown[];
  /** Per `$n`: the position of the argument its value comes from, or -1 for a constant. */
  argOf: readonly number[];
  /** Per `$n`: the field of that (record) argument, if it is one. */
  fieldOf: readonly (string | undefined)[];
}

/** `{ a: 1 }`-style objects: their fields are separate values (e.g. the columns of a `set`). */
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** The fields of a record argument that the statement writes (Kysely skips undefined ones). */
const definedFields = (record: Record<string, unknown>) =>
  Object.keys(record).filter((field) => record[field] !== undefined);

/**
 * A statement written with Kysely's query builder that is built and compiled once per shape
 * and then only run with new parameters. Building and compiling were a sixth of a mutation's
 * CPU (`perf` of `bench/micro.ts`), and the statements every mutation runs are the same text
 * every time.
 *
 * `build` is called with stand-ins for its arguments, so it may use each argument only as a
 * value (`where('id', '=', id)`, `values(event)`, `sql\`lower(${name})\``), never look at it
 * or branch on it. A record argument (a plain object such as an update's changed columns) may
 * be spread or passed to `set`/`values`: each of its fields with a value is a value, and each
 * different set of fields is a different shape, compiled once. (Every plain-object argument is
 * such a record: a JSON value belongs inside one, as a field.) A list must be one array value
 * (`= any(${ids})`), never an `in (…)` list, whose length would change the text. Misuse fails
 * on first use, before anything runs: an argument left out of the parameters, or a builder
 * whose text changes with the values (see `assertValuesOnly`).
 *
 * An argument that is a {@link StatementShape} is handed to the builder as it is: the builder
 * may branch on its value, and each of its keys is a shape of its own.
 *
 * Compiled once per process: the gateway talks one dialect (PostgreSQL, on a server or PGlite).
 *
 * `named: true` also keeps the statement parsed and planned on each server connection (a named
 * prepared statement, db/named-statements.ts): only for a statement whose result columns are
 * named one by one, never `*`. Its first `MAX_NAMED_SHAPES` shapes are named, any later one
 * runs unnamed: each named text stays in every server session's memory.
 */
export function prepared<Args extends unknown[], Row>(
  build: (db: Kysely<Database>, ...args: Args) => Buildable<Row>,
  options: { named?: boolean } = {},
): (db: Kysely<Database>, ...args: Args) => Promise<Row[]> {
  // One template per shape, found without building a key: a path through nested maps, one
  // step per shape-deciding part (a record argument's position and each of its fields with a
  // value, a `StatementShape` argument's position and key). Bound: the shapes are the field
  // sets and keys the calling code passes (fixed in the code, never chosen by a request's
  // values).
  const root: ShapeNode = { next: new Map() };
  // The shape of the last call: most statements are called with one shape every time (the
  // same columns to update, the same audit event's fields), so the call's steps are compared
  // with that shape's path first, one `===` per step, before any map is looked at.
  let last: ShapeNode | undefined;
  let namedShapes = 0;
  // Not `async`: one promise layer less per statement; a misuse found while compiling is
  // still a rejection.
  return (db, ...args) => {
    try {
      let node = last;
      if (node === undefined || !onPath(node.path!, args)) {
        node = root;
        for (let i = 0; i < args.length; i++) {
          const arg = args[i];
          if (arg instanceof StatementShape) {
            node = step(step(node, -1 - i), arg.key);
            continue;
          }
          if (!isRecord(arg)) continue;
          node = step(node, i);
          for (const field in arg) if (arg[field] !== undefined) node = step(node, field);
        }
      }
      let template = node.template;
      if (!template) {
        template = compileTemplate(db, build, args);
        // Before the template is kept: a text that may not be named fails every call.
        if (options.named && namedShapes < MAX_NAMED_SHAPES) {
          nameStatement(template.compiled.sql);
          namedShapes++;
        }
        node.template = template;
        node.path = shapePath(args);
      }
      last = node;
      const { compiled: c, parameters: ps, argOf, fieldOf } = template;
      const parameters: unknown[] = [];
      for (let k = 0; k < ps.length; k++) {
        const a = argOf[k];
        const field = fieldOf[k];
        parameters.push(
          a < 0
            ? ps[k]
            : field === undefined
              ? args[a]
              : (args[a] as Record<string, unknown>)[field],
        );
      }
      const compiled: CompiledQuery<Row> = {
        sql: c.sql,
        query: c.query,
        queryId: c.queryId,
        parameters,
      };
      // Without plugins, Kysely's executor only passes the result through: straight to a
      // connection (the transaction's, or a pooled one from the database's driver).
      if (db.getExecutor().plugins.length > 0)
        return db.executeQuery(compiled).then((result) => result.rows);
      return rowsOnConnection(db, compiled);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/**
 * A point on the path to a template: the next steps, and the template when a path ends here,
 * with the path's steps from the root.
 */
interface ShapeNode {
  next: Map<string | number, ShapeNode>;
  template?: Template;
  path?: readonly (string | number)[];
}

/**
 * The steps from the root to `args`'s template (the keys `step` is called with): a record
 * argument's position and each of its fields with a value, a `StatementShape`'s position
 * (negative) and key.
 */
function shapePath(args: readonly unknown[]): (string | number)[] {
  const path: (string | number)[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg instanceof StatementShape) path.push(-1 - i, arg.key);
    else if (isRecord(arg)) {
      path.push(i);
      for (const field in arg) if (arg[field] !== undefined) path.push(field);
    }
  }
  return path;
}

/** Whether `args` take exactly the steps of `path` (`shapePath`), without building them. */
function onPath(path: readonly (string | number)[], args: readonly unknown[]): boolean {
  let j = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg instanceof StatementShape) {
      if (path[j] !== -1 - i || path[j + 1] !== arg.key) return false;
      j += 2;
      continue;
    }
    if (!isRecord(arg)) continue;
    if (path[j++] !== i) return false;
    for (const field in arg) if (arg[field] !== undefined && path[j++] !== field) return false;
  }
  return j === path.length;
}

function step(node: ShapeNode, key: string | number): ShapeNode {
  let next = node.next.get(key);
  if (!next) node.next.set(key, (next = { next: new Map() }));
  return next;
}

function compileTemplate<Args extends unknown[], Row>(
  db: Kysely<Database>,
  build: (db: Kysely<Database>, ...args: Args) => Buildable<Row>,
  args: Args,
): Template {
  const stand: Placeholder[] = [];
  const standIns = args.map((arg, i) => {
    if (arg instanceof StatementShape) return arg;
    if (!isRecord(arg)) {
      const p = new Placeholder(i);
      stand.push(p);
      return p;
    }
    const record: Record<string, Placeholder> = {};
    for (const field of definedFields(arg)) stand.push((record[field] = new Placeholder(i, field)));
    return record;
  }) as Args;
  const compiled = build(db, ...standIns).compile(db);
  const unused = stand.filter((p) => !compiled.parameters.includes(p));
  if (unused.length > 0) {
    throw new Error(
      `prepared statement: argument ${unused.map(name).join(', ')} is not a parameter of: ${compiled.sql}`,
    );
  }
  assertValuesOnly(db, build, standIns, stand, compiled.sql, args);
  const { parameters } = compiled;
  return {
    compiled,
    parameters,
    argOf: parameters.map((p) => (p instanceof Placeholder ? p.arg : -1)),
    fieldOf: parameters.map((p) => (p instanceof Placeholder ? p.field : undefined)),
  };
}

const name = (p: Placeholder) => (p.field === undefined ? `${p.arg}` : `${p.arg}.${p.field}`);

/**
 * A stand-in is an object, so a builder that branches on an argument (`if (name)`,
 * `name ?? other`, `typeof`, a list spread into `in (…)`) would compile one branch for every
 * later value. Build the statement again with each argument in turn replaced by `null`, and
 * once with the first call's real values: a builder that only passes its arguments as values
 * gives the same SQL text every time, so any difference is refused before anything runs.
 */
function assertValuesOnly<Args extends unknown[], Row>(
  db: Kysely<Database>,
  build: (db: Kysely<Database>, ...args: Args) => Buildable<Row>,
  standIns: Args,
  stand: Placeholder[],
  sql: string,
  real: Args,
): void {
  const replaced = (p: Placeholder | undefined, value: (p: Placeholder) => unknown) =>
    standIns.map((arg) => {
      const swap = (v: unknown) => (v instanceof Placeholder && (!p || v === p) ? value(v) : v);
      if (!isRecord(arg)) return swap(arg);
      return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, swap(v)]));
    }) as Args;
  const realValue = (p: Placeholder) =>
    p.field === undefined ? real[p.arg] : (real[p.arg] as Record<string, unknown>)[p.field];
  const probes: [string, Args][] = [
    ['the first call’s values', replaced(undefined, realValue)],
    ...stand.map((p): [string, Args] => [`argument ${name(p)} = null`, replaced(p, () => null)]),
  ];
  for (const [what, probe] of probes) {
    let probeSql: string;
    try {
      probeSql = build(db, ...probe).compile(db).sql;
    } catch (error) {
      probeSql = `(throws: ${error instanceof Error ? error.message : String(error)})`;
    }
    if (probeSql !== sql) {
      throw new Error(
        `prepared statement: the builder looks at its arguments instead of only passing them as values (with ${what} it compiles ${probeSql} instead of ${sql})`,
      );
    }
  }
}
