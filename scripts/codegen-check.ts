import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import config from '../examples/client/codegen.js';

/**
 * `npm run codegen:check`: generates the example client's code in memory from schema.graphql
 * and its operations, and fails when the committed files differ (or one is missing or
 * left over): run `npm run codegen` and commit the result.
 */
const root = new URL('..', import.meta.url).pathname;
const outputs = await generate({ ...config, cwd: root, silent: true }, false);
const stale: string[] = [];
for (const output of outputs) {
  const file = path.resolve(root, output.filename);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== output.content)
    stale.push(path.relative(root, file));
}
const generatedDir = path.join(root, 'examples/client/generated');
const expected = new Set(outputs.map((o: { filename: string }) => path.resolve(root, o.filename)));
for (const name of readdirSync(generatedDir)) {
  const file = path.join(generatedDir, name);
  if (!expected.has(file)) stale.push(`${path.relative(root, file)} (no longer generated)`);
}
if (stale.length > 0) {
  console.error(
    `stale generated client code: ${stale.join(', ')}\nrun \`npm run codegen\` and commit it`,
  );
  process.exit(1);
}
console.log(
  `examples/client/generated matches schema.graphql and the operations (${outputs.length} files)`,
);
