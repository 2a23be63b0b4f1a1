import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildGatewaySchema, printGatewaySchema } from '../resolvers/schema.js';

/** `npm run schema` writes schema.graphql; `npm run schema:check` fails when it is stale. */
const file = new URL('../schema.graphql', import.meta.url);
const printed = printGatewaySchema(await buildGatewaySchema());
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // missing file: stale
  }
  if (current !== printed) {
    console.error('schema.graphql does not match the code: run `npm run schema` and commit it');
    process.exit(1);
  }
  console.log('schema.graphql matches the code');
} else {
  writeFileSync(file, printed);
  console.log('wrote schema.graphql');
}
