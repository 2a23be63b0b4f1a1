/**
 * How the bench, the soak and the embedded-start measure start the gateway: its start commands,
 * read from `package.json`, so they run it exactly as `npm start` / `npm run start:prod` do.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scripts = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

/** The arguments of `node` in a script: `node --flag x.js` → `['--flag', 'x.js']`. */
const nodeArgsOf = (name: string): string[] => {
  const words = scripts[name].trim().split(/\s+/);
  if (words[0] !== 'node')
    throw new Error(`package.json script "${name}" does not start with node`);
  return words.slice(1);
};

/** `npm start`'s node arguments, entry point included (run from the repository root). */
export const START_ARGS: readonly string[] = nodeArgsOf('start');

/** `npm run start:prod`'s node flags (its arguments before the entry point). */
export const START_PROD_FLAGS: readonly string[] = nodeArgsOf('start:prod').filter((a) =>
  a.startsWith('-'),
);

/** The environment the bench and the soak start a server with: production, quiet, any port. */
export const serverEnv = (databaseUrl: string, secretKey: Buffer): Record<string, string> => ({
  DATABASE_URL: databaseUrl,
  SECRETS_KEY: secretKey.toString('base64'),
  PORT: '0',
  HOST: '127.0.0.1',
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
});
