import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

/**
 * The breaking-change gate: `schema.graphql` against the last released schema
 * (`schema/released.graphql`), each change classified by GraphQL Inspector, and every breaking
 * one required to be named, with its reason, in the "Unreleased" section of `CHANGELOG.md`.
 * Used by `npm run schema:diff` (CI) and `npm run schema:release`.
 */

export type Severity = 'breaking' | 'dangerous' | 'safe';

export interface SchemaChange {
  severity: Severity;
  /** Inspector's change type, e.g. `ENUM_VALUE_REMOVED`. */
  type: string;
  /** The schema coordinate, e.g. `ValidationSeverity.error` or `Query.auditEvents.resourceId`. */
  path: string;
  message: string;
}

/** One breaking change named in the changelog: `- \`Path\`, \`Other.path\`: reason`. */
export interface ChangelogListing {
  path: string;
  reason: string;
}

export const RELEASED_SCHEMA = 'schema/released.graphql';
export const CHANGELOG = 'CHANGELOG.md';
export const UNRELEASED_HEADING = '## Unreleased';
export const BREAKING_HEADING = '### Breaking';

const SEVERITY: Record<CriticalityLevel, Severity> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

/** Every change from the released schema to the current one, breaking first. */
export async function classifyChanges(
  releasedSdl: string,
  currentSdl: string,
): Promise<SchemaChange[]> {
  const changes = await diff(buildSchema(releasedSdl), buildSchema(currentSdl));
  const order: Severity[] = ['breaking', 'dangerous', 'safe'];
  return changes
    .map((c) => ({
      severity: SEVERITY[c.criticality.level],
      type: c.type,
      path: c.path ?? '',
      message: c.message,
    }))
    .sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
}

/** The lines of one `## ` section of the changelog (without its heading), or null. */
function section(changelog: string, heading: string): string[] | null {
  const lines = changelog.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start === -1) return null;
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

const LISTING = /^[-*]\s+((?:`[^`]+`\s*(?:,|and)?\s*)+):\s*(\S.*)$/;

/**
 * The breaking changes the next release names: the list items under `### Breaking` in
 * `## Unreleased` that start with one or more schema paths in backticks, a colon, and a reason
 * (an item may wrap onto indented lines). An item without a reason names nothing.
 */
export function unreleasedBreakingListings(changelog: string): ChangelogListing[] {
  const items: string[] = [];
  let inBreaking = false;
  for (const line of section(changelog, UNRELEASED_HEADING) ?? []) {
    if (/^### /.test(line)) inBreaking = line.trim() === BREAKING_HEADING;
    else if (!inBreaking) continue;
    else if (/^[-*]\s/.test(line)) items.push(line.trim());
    else if (/^\s+\S/.test(line) && items.length > 0) items[items.length - 1] += ` ${line.trim()}`;
  }
  const listings: ChangelogListing[] = [];
  for (const item of items) {
    const match = LISTING.exec(item);
    if (!match) continue;
    for (const path of match[1].matchAll(/`([^`]+)`/g))
      listings.push({ path: path[1], reason: match[2].trim() });
  }
  return listings;
}

/** The breaking changes that the changelog's next release does not name. */
export function unlistedBreakingChanges(
  changes: SchemaChange[],
  listings: ChangelogListing[],
): SchemaChange[] {
  const listed = new Set(listings.map((l) => l.path));
  return changes.filter((c) => c.severity === 'breaking' && !listed.has(c.path));
}

/** One line per change, for people: severity, path, Inspector's message, and whether listed. */
export function formatChanges(changes: SchemaChange[], listings: ChangelogListing[]): string[] {
  const listed = new Set(listings.map((l) => l.path));
  return changes.map((c) => {
    const note =
      c.severity !== 'breaking'
        ? ''
        : listed.has(c.path)
          ? ` (listed in ${CHANGELOG})`
          : ` (NOT LISTED in ${CHANGELOG} under ${UNRELEASED_HEADING} / ${BREAKING_HEADING})`;
    return `${c.severity.padEnd(9)} ${c.path.padEnd(48)} ${c.message}${note}`;
  });
}

/**
 * The changelog after cutting `version` on `date`: the Unreleased section becomes that
 * release's, and an empty Unreleased section is opened above it.
 */
export function cutRelease(changelog: string, version: string, date: string): string {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`not a version: ${version}`);
  if (changelog.includes(`\n## ${version} `)) throw new Error(`${version} is already released`);
  if (!section(changelog, UNRELEASED_HEADING))
    throw new Error(`${CHANGELOG} has no "${UNRELEASED_HEADING}" section`);
  return changelog.replace(
    new RegExp(`^${UNRELEASED_HEADING}[ \\t]*$`, 'm'),
    `${UNRELEASED_HEADING}\n\n${BREAKING_HEADING}\n\n## ${version} (${date})`,
  );
}

/** The baseline file's text: a header saying which release it is, then the schema. */
export function releasedSchemaFile(schemaSdl: string, version: string, date: string): string {
  return (
    `# The GraphQL schema as released in ${version} (${date}): the baseline of npm run\n` +
    `# schema:diff. Moved only by npm run schema:release; never edit it by hand.\n\n` +
    schemaSdl
  );
}
