/**
 * The statement texts the server keeps parsed and planned per connection (PostgreSQL's named
 * prepared statements): `prepared(…, { named: true })` registers its compiled texts here, and
 * the server pool's client (db/connect.ts) runs a registered text by its name. The first run
 * on a connection parses it (`Parse`); every later one only binds and executes it, and after
 * five runs PostgreSQL may keep one generic plan instead of planning each run. PostgreSQL's CPU
 * per `orgConnections` request (the key lookup and the page statement, a CTE and one subquery
 * per part) fell from 2.2 to 1.45 ms (bench/README.md, "Round 3: the page statement in
 * PostgreSQL").
 *
 * Only statements whose result columns are named one by one are registered: a named
 * statement that reads `*` fails (`cached plan must not change result type`) once a
 * migration adds a column under a running process. A migration that changes the type of a
 * column a named statement returns has the same effect (README.md says how to deploy one).
 *
 * Bound: one name per registered text, and the texts are the shapes of the `prepared`
 * statements that opt in (fixed in the code, never chosen by a request's values).
 */
const names = new Map<string, string>();

/**
 * A statement whose own result columns are `*`: `select *` or `select "t".*` at its start,
 * `returning *`. (A `*` inside a subquery or CTE whose rows the statement aggregates into a
 * listed column, as the page statements do, does not change its result columns.)
 */
const READS_STAR = /^select\s+(?:"[^"]*"\.|\w+\.)?\*|\breturning\s+(?:"[^"]*"\.|\w+\.)?\*/i;

/**
 * Registers `sql` to run as a named statement on the server; a text already known keeps its
 * name. A text that reads `*` is refused (see above): list the columns.
 */
export function nameStatement(sql: string): void {
  if (names.has(sql)) return;
  if (READS_STAR.test(sql))
    throw new Error(`a named statement must list its result columns, not read *: ${sql}`);
  names.set(sql, `cgw_${names.size + 1}`);
}

/** The name `sql` runs under, or `undefined` for a text that runs unnamed. */
export function statementName(sql: string): string | undefined {
  return names.get(sql);
}
