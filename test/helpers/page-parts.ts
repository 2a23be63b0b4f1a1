import { expect } from 'vitest';
import { countStatements, gql } from './harness.js';

/**
 * Reads a page with `query` and checks it ran `count` statements, the last being the page
 * itself, which reads `table` when `withPart` (the part read with the page, page-parts.ts) and
 * otherwise is the plain page query. Returns the page's data.
 */
export async function pageStatements(
  count: number,
  table: string,
  withPart: boolean,
  ...operation: Parameters<typeof gql>
): Promise<Record<string, any>> {
  const { result, statements } = await countStatements(() => gql(...operation));
  expect(result.errors).toBeUndefined();
  expect(statements).toHaveLength(count);
  const page = statements[count - 1];
  if (withPart) expect(page).toContain(`from "${table}"`);
  else {
    expect(page).not.toContain(table);
    expect(page).not.toContain('with "page"');
  }
  return result.data!;
}

/**
 * Checks that each of a page's items is exactly what the single-object query `field` answers
 * for it (`operation(item)`), which loads `table` through the loaders, not with a page.
 */
export async function sameOneByOne(
  items: Record<string, any>[],
  field: string,
  table: string,
  operation: (item: Record<string, any>) => Parameters<typeof gql>,
): Promise<void> {
  for (const item of items) {
    const one = await countStatements(() => gql(...operation(item)));
    expect(one.result.errors).toBeUndefined();
    expect(one.statements.some((s) => s.includes(`from "${table}"`))).toBe(true);
    expect(one.result.data![field]).toEqual(item);
  }
}
