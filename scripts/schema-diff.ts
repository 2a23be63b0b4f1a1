import { readFileSync } from 'node:fs';
import {
  CHANGELOG,
  classifyChanges,
  formatChanges,
  RELEASED_SCHEMA,
  unlistedBreakingChanges,
  unreleasedBreakingListings,
} from './schema-changes.js';

/**
 * `npm run schema:diff`: prints each change of schema.graphql since the released schema as
 * breaking, dangerous or safe, and fails (exit 1) when a breaking change is not named, with
 * its reason, under "## Unreleased" / "### Breaking" in CHANGELOG.md.
 */
const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
const changes = await classifyChanges(read(RELEASED_SCHEMA), read('schema.graphql'));
const listings = unreleasedBreakingListings(read(CHANGELOG));
for (const line of formatChanges(changes, listings)) console.log(line);
const count = (s: string) => changes.filter((c) => c.severity === s).length;
console.log(
  `\n${changes.length} changes since ${RELEASED_SCHEMA}: ${count('breaking')} breaking, ${count('dangerous')} dangerous, ${count('safe')} safe`,
);
const unlisted = unlistedBreakingChanges(changes, listings);
if (unlisted.length > 0) {
  console.error(
    `\n${unlisted.length} breaking change(s) not listed in ${CHANGELOG}: add, under "## Unreleased" / "### Breaking", a line\n` +
      unlisted
        .map((c) => `  - \`${c.path}\`: <why this change is worth breaking clients>`)
        .join('\n'),
  );
  process.exit(1);
}
