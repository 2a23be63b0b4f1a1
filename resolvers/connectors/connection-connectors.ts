import type { GatewayContext } from '../../src/context.js';
import type { Connector, ConnectorConnection } from '../../src/services/connectors/model.js';

/**
 * `ConnectorConnection.connector` is a plain field: graphql-jit calls no resolver for it, so
 * whatever hands connections to the API fills it in when the query names it — the page, the
 * single connection, the mutation's answer (a dry run's too), the change feed, and a
 * credential's usages (`withSlotParts`). Each reads the connectors of the connections it hands
 * out through the request's connector loader, all at once, so they batch into one statement
 * (a page primed them: none at all). This was ~900 resolver calls per page of 100 connections
 * (each item's and each usage's `connection.connector`).
 *
 * The connector is set on the connection object itself: a request's connections are its own
 * (mapped from its rows, or held by its loaders), and a connector never changes under a
 * request. A connection already filled in is left as it is.
 */
export function withConnectors<T>(
  ctx: GatewayContext,
  connections: readonly ConnectorConnection[],
  value: T,
): T | Promise<T> {
  let waiting: Promise<unknown>[] | undefined;
  for (const connection of connections) waiting = fillConnector(ctx, connection, waiting);
  if (!waiting) return value;
  return Promise.all(waiting).then(() => withConnectors(ctx, connections, value));
}

/**
 * Sets `connection.connector` if the request's loader knows it; else adds the load to
 * `waiting` (the caller waits for them all, then fills again) and returns the list.
 */
export function fillConnector(
  ctx: GatewayContext,
  connection: ConnectorConnection,
  waiting: Promise<unknown>[] | undefined,
): Promise<unknown>[] | undefined {
  if (connection.connector) return waiting;
  const found = ctx.loaders.connector.getIn(connection.organisationId, connection.connectorId);
  if (found instanceof Promise) (waiting ??= []).push(found);
  else connection.connector = connectorOf(found, connection);
  return waiting;
}

/** A connection's connector must exist (a foreign key says so): missing is a fault of ours. */
function connectorOf(found: Connector | null, connection: ConnectorConnection): Connector {
  if (!found) throw new Error(`connector of connection ${connection.id} is missing`);
  return found;
}
