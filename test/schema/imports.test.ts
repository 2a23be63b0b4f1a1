import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering the README describes, checked on the source text: `resolvers/` (GraphQL) may
 * import `src/` (domain and runtime) and `db/` (SQL); `src/` may import `db/`; `db/` imports
 * neither. The one exception is `src/main.ts`, the composition root, which builds the schema
 * and hands it to `createGateway`. No file imports itself round a circle, type-only imports
 * included: a circle of types still ties the files' meanings together. And SQL lives only in
 * `db/`: no file in `src/` or `resolvers/` builds a Kysely query or imports Kysely's values (`sql`
 * and the like); they call the functions of `db/queries/`.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const LAYERS = ['db', 'src', 'resolvers'] as const;
const COMPOSITION_ROOT = 'src/main.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

/** Every relative `import … from` / `export … from` of a file, as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'/gm)].map(
    ([, spec]) =>
      path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts'),
  );
}

const files = LAYERS.flatMap(sourceFiles);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const layerOf = (file: string) => LAYERS.indexOf(file.split('/')[0] as (typeof LAYERS)[number]);

/** Strongly connected components of more than one file (Tarjan). */
function circles(): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (!graph.has(dep)) continue;
      if (!index.has(dep)) {
        visit(dep);
        low.set(file, Math.min(low.get(file)!, low.get(dep)!));
      } else if (stack.includes(dep)) low.set(file, Math.min(low.get(file)!, index.get(dep)!));
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do component.push((member = stack.pop()!));
      while (member !== file);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found;
}

describe('imports', () => {
  it('find the source files (the scan itself works)', () => {
    expect(files).toContain('src/server.ts');
    expect(graph.get('src/server.ts')).toContain('src/context.ts');
  });

  it('never run upward between db/, src/ and resolvers/', () => {
    const upward = [...graph].flatMap(([file, deps]) =>
      file === COMPOSITION_ROOT
        ? []
        : deps.filter((dep) => layerOf(dep) > layerOf(file)).map((dep) => `${file} -> ${dep}`),
    );
    expect(upward).toEqual([]);
  });

  it('leave SQL to db/: no Kysely query building in src/ or resolvers/', () => {
    const building =
      /\.(?:selectFrom|insertInto|updateTable|deleteFrom|mergeInto|replaceInto)\(|\bsql\s*[`.<(]|^\s*import\s+(?!type\s)[^;]*\sfrom\s+'kysely'/gm;
    const found = files
      .filter((file) => layerOf(file) > 0)
      .flatMap((file) =>
        [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(building)].map(
          ([match]) => `${file}: ${match.trim()}`,
        ),
      );
    expect(found).toEqual([]);
  });

  it('form no circle', () => {
    expect(circles()).toEqual([]);
  });
});
