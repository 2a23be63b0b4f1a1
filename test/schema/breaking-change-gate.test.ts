import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  classifyChanges,
  cutRelease,
  unlistedBreakingChanges,
  unreleasedBreakingListings,
} from '../../scripts/schema-changes.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

const RELEASED = `
"""Severity."""
enum Severity { error info }
"""Root."""
type Query {
  """A page."""
  page(first: Int): Page!
}
"""A page."""
type Page { """More?""" hasNextPage: Boolean! }
`;

const changelog = (breaking: string) => `# Changelog

## Unreleased

### Breaking

${breaking}

### Added

- \`Page.more\`: not breaking, listed for people.

## 1.0.0 (2026-11-29)

### Breaking

- \`Page.hasNextPage\`: listed in an older release, so it does not count.
`;

describe('the breaking-change gate', () => {
  it('classifies changes as breaking, dangerous or safe', async () => {
    const current = RELEASED.replace('error info', 'ERROR INFO')
      .replace('page(first: Int)', 'page(first: Int, after: String)')
      .replace('"""A page."""\n  page', '"""One page."""\n  page');
    const changes = await classifyChanges(RELEASED, current);
    const by = (severity: string) =>
      changes
        .filter((c) => c.severity === severity)
        .map((c) => c.path)
        .sort();
    expect(by('breaking')).toEqual(['Severity.error', 'Severity.info']);
    expect(by('dangerous')).toEqual(['Query.page.after', 'Severity.ERROR', 'Severity.INFO']);
    expect(by('safe')).toEqual(['Query.page']);
  });

  it('fails a breaking change unless the next release names its path with a reason', async () => {
    const current = RELEASED.replace('hasNextPage', 'more').replace('error info', 'ERROR info');
    const changes = await classifyChanges(RELEASED, current);
    const unlisted = (text: string) =>
      unlistedBreakingChanges(changes, unreleasedBreakingListings(text))
        .map((c) => c.path)
        .sort();

    // Named only in an older release, or only outside "### Breaking": not listed.
    expect(unlisted(changelog(''))).toEqual(['Page.hasNextPage', 'Severity.error']);
    // A path without a reason names nothing.
    expect(unlisted(changelog('- `Severity.error`:'))).toEqual([
      'Page.hasNextPage',
      'Severity.error',
    ]);
    // One item may name several paths and wrap onto indented lines.
    const listed = changelog(
      '- `Severity.error`, `Page.hasNextPage`:\n  renamed to follow GraphQL naming conventions.',
    );
    expect(unlisted(listed)).toEqual([]);
    expect(unreleasedBreakingListings(listed)).toEqual([
      { path: 'Severity.error', reason: 'renamed to follow GraphQL naming conventions.' },
      { path: 'Page.hasNextPage', reason: 'renamed to follow GraphQL naming conventions.' },
    ]);
  });

  it('passes schema.graphql against the released baseline and CHANGELOG.md', async () => {
    const changes = await classifyChanges(read('schema/released.graphql'), read('schema.graphql'));
    expect(
      unlistedBreakingChanges(changes, unreleasedBreakingListings(read('CHANGELOG.md'))),
    ).toEqual([]);
  });

  it('lists the ValidationSeverity rename, the first breaking change, with its reason', () => {
    const listings = unreleasedBreakingListings(read('CHANGELOG.md'));
    expect(listings.map((l) => l.path)).toEqual(
      expect.arrayContaining([
        'ValidationSeverity.error',
        'ValidationSeverity.warning',
        'ValidationSeverity.info',
      ]),
    );
    for (const l of listings) expect(l.reason.length).toBeGreaterThan(20);
  });

  it('cutting a release turns Unreleased into the release and opens a new, empty one', () => {
    const text = changelog('- `Severity.error`: upper case.');
    const cut = cutRelease(text, '2.0.0', '2026-12-01');
    expect(cut).toContain(
      '## Unreleased\n\n### Breaking\n\n## 2.0.0 (2026-12-01)\n\n### Breaking\n\n- `Severity.error`',
    );
    expect(unreleasedBreakingListings(cut)).toEqual([]);
    expect(() => cutRelease(cut, '2.0.0', '2026-12-02')).toThrow(/already released/);
    expect(() => cutRelease(cut, 'v2', '2026-12-02')).toThrow(/not a version/);
  });
});
