import { ApolloClient, HttpLink, InMemoryCache, type TypePolicies } from '@apollo/client';
import introspection from './generated/possible-types.js';

/**
 * How the cache stores what is not simply `<__typename>:<id>`:
 * - lists of objects without an id (a Nexus connection's clients, a connector connection's
 *   variables and credentials, a database connection's ssl) are replaced by what the server
 *   returns, never merged item by item;
 * - `AuthSchemeConfig` is not normalised: its `validationMessages` are about the slot it was
 *   reached through, so two slots that use one config must not share one cache entry.
 */
export const typePolicies: TypePolicies = {
  NexusConnection: { fields: { clients: { merge: false } } },
  ConnectorConnection: { fields: { variables: { merge: false }, credentials: { merge: false } } },
  DatabaseConnection: { fields: { ssl: { merge: false } } },
  AuthSchemeConfig: { keyFields: false },
};

/**
 * An Apollo Client for the gateway, as a frontend would build it (the core entry, no React).
 * The generated possibleTypes map tells the cache which types implement `Error` and which
 * belong to each result union, so `...MutationError` spread on a union is matched. Every
 * connection and nested object with an `id` is normalised as `<__typename>:<id>`, so a
 * mutation's returned connection updates each cached page that lists it.
 */
export function createGatewayClient(options: {
  uri: string;
  token?: string;
  fetch?: typeof fetch;
}): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({
      uri: options.uri,
      fetch: options.fetch ?? fetch,
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    }),
    cache: new InMemoryCache({ possibleTypes: introspection.possibleTypes, typePolicies }),
  });
}
