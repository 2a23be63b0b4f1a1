import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator for the example client (`npm run codegen`; `npm run codegen:check`
 * fails when the committed output is stale). Typed documents come from the client preset,
 * and the possibleTypes map that Apollo Client's cache needs for the result unions and the
 * `Error` interface from the fragment-matcher plugin. Paths are relative to the repository.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: 'examples/client/operations/*.graphql',
  ignoreNoDocuments: false,
  generates: {
    'examples/client/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        emitLegacyCommonJSImports: false,
        scalars: { DateTime: 'string', JSONObject: 'Record<string, unknown>' },
      },
    },
    'examples/client/generated/possible-types.ts': {
      plugins: ['fragment-matcher'],
      config: { apolloClientVersion: 3, useExplicitTyping: true },
    },
  },
};

export default config;
