import { readFileSync, writeFileSync } from 'node:fs';
import { buildGatewaySchema, printGatewaySchema } from '../resolvers/schema.js';
import {
  CHANGELOG,
  classifyChanges,
  cutRelease,
  RELEASED_SCHEMA,
  releasedSchemaFile,
  unlistedBreakingChanges,
  unreleasedBreakingListings,
} from './schema-changes.js';

/**
 * `npm run schema:release -- <version>`: cuts a release of the schema. Refuses while
 * schema.graphql is stale or a breaking change is not listed in CHANGELOG.md; then makes
 * schema.graphql the new baseline (schema/released.graphql) and turns the changelog's
 * "Unreleased" section into the release's.
 */
const version = process.argv[2];
if (!version) {
  console.error('usage: npm run schema:release -- <version>   (e.g. 2.0.0)');
  process.exit(2);
}
const file = (name: string) => new URL(`../${name}`, import.meta.url);
const current = readFileSync(file('schema.graphql'), 'utf8');
if (printGatewaySchema(await buildGatewaySchema()) !== current) {
  console.error('schema.graphql does not match the code: run `npm run schema` first');
  process.exit(1);
}
const changelog = readFileSync(file(CHANGELOG), 'utf8');
const changes = await classifyChanges(readFileSync(file(RELEASED_SCHEMA), 'utf8'), current);
const unlisted = unlistedBreakingChanges(changes, unreleasedBreakingListings(changelog));
if (unlisted.length > 0) {
  console.error(
    `breaking changes not listed in ${CHANGELOG}: ${unlisted.map((c) => c.path).join(', ')}`,
  );
  process.exit(1);
}
const date = new Date().toISOString().slice(0, 10);
writeFileSync(file(CHANGELOG), cutRelease(changelog, version, date));
writeFileSync(file(RELEASED_SCHEMA), releasedSchemaFile(current, version, date));
console.log(
  `released ${version}: ${RELEASED_SCHEMA} is the new baseline; commit it with ${CHANGELOG}`,
);
