import type { GraphQLResolveInfo } from 'graphql';
import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  ID,
  Info,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { mapKnown } from '../../src/tenant-loaders.js';
import {
  connectorConnectionById,
  connectorConnectionPage,
  updateConnectorConnection,
} from '../../src/services/connectors/service.js';
import type {
  AuthSchemeConfig,
  ConnectionCredential,
  ConnectionCredentials,
  ConnectionVariable,
  Connector,
  ConnectorConnection,
  Credential,
  CredentialUsage,
} from '../../src/services/connectors/model.js';
import {
  validationMessagesFor,
  type ValidationMessage,
} from '../../src/services/connectors/validation-messages.js';
import { inputFields } from '../shared/input.js';
import { PageArgs, toPageResult } from '../shared/pagination.js';
import { mentions, mergedSelections, selectionOf } from '../shared/selection.js';
import { unwrapList, unwrapQuery } from '../shared/query-result.js';
import { toMutationResult } from '../shared/result-union.js';
import { MutationOptionsArgs } from '../shared/mutation-success.js';
import { UpdateConnectorConnectionInput } from './connectors.inputs.js';
import {
  AuthSchemeConfigType,
  ConnectionCredentialsType,
  ConnectionCredentialType,
  ConnectionVariableType,
  ConnectorConnectionPage,
  ConnectorConnectionType,
  ConnectorType,
  CredentialType,
  CredentialUsageType,
  UpdateConnectorConnectionResult,
  UpdateConnectorConnectionSuccess,
  ValidationMessageType,
} from './connectors.types.js';
import {
  MUTATION_CONNECTION_ID,
  MUTATION_INPUT,
  QUERY_CONNECTION_ID,
  QUERY_TENANT,
  mutationTenantArg,
} from '../shared/descriptions.js';

@Resolver(() => ConnectorConnectionType)
export class ConnectorConnectionResolver {
  @Mutation(() => UpdateConnectorConnectionResult, {
    description:
      "Updates a connector's connection: renames it (unique within the connector), reorders its action and trigger credentials and switches each one's auth scheme config (same scheme type), and replaces its variables. The set of credentials never changes, and validationMessages are always the server's. Needs connections:write. Errors: InvalidInputError, AuthenticationError, PermissionDeniedError, NotFoundError (Connector, then ConnectorConnection), ConflictError VERSION_MISMATCH or NAME_TAKEN.",
  })
  async updateConnectorConnection(
    @Arg('organisationId', () => ID, { description: mutationTenantArg('organisationId') })
    organisationId: string,
    @Arg('connectorId', () => ID, {
      description:
        'The connector the connection belongs to (its id). Not a connector of the organisation: NotFoundError Connector.',
    })
    connectorId: string,
    @Arg('connectionId', () => ID, { description: MUTATION_CONNECTION_ID }) connectionId: string,
    @Arg('input', () => UpdateConnectorConnectionInput, { description: MUTATION_INPUT })
    input: UpdateConnectorConnectionInput,
    @Args(() => MutationOptionsArgs) { validateOnly, idempotencyKey }: MutationOptionsArgs,
    @Ctx() ctx: GatewayContext,
  ): Promise<typeof UpdateConnectorConnectionResult> {
    const fields = inputFields(input, [
      'id',
      'name',
      'credentials',
      'variables',
      'expectedVersion',
    ]);
    const result = await updateConnectorConnection(
      ctx,
      {
        organisationId,
        connectorId,
        connectionId,
        input: {
          ...fields,
          name: input.name,
          credentials: fields.credentials && {
            action: fields.credentials.action.map((c) => ({
              id: c.id,
              authSchemeConfigId: c.authSchemeConfigId,
            })),
            trigger: fields.credentials.trigger.map((c) => ({
              id: c.id,
              authSchemeConfigId: c.authSchemeConfigId,
            })),
          },
          variables:
            fields.variables && fields.variables.map((v) => ({ name: v.name, value: v.value })),
        },
      },
      { validateOnly, idempotencyKey },
    );
    return toMutationResult(result, (c) => new UpdateConnectorConnectionSuccess(c));
  }

  @Query(() => ConnectorConnectionPage, {
    description:
      "One page of the organisation's connector connections, oldest first; only one connector's when connectorId is given. Needs connections:read.",
  })
  async connectorConnections(
    @Arg('organisationId', () => ID, { description: QUERY_TENANT }) organisationId: string,
    @Arg('connectorId', () => ID, {
      nullable: true,
      description:
        'Only connections of this connector; absent: of every connector. An unknown or malformed id gives an empty page.',
    })
    connectorId: string | null,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    // The nested objects the query asks for are read with the page (see page-parts.ts).
    const items = selectionOf(info, 'items');
    const slot = mergedSelections(items.credentials?.action, items.credentials?.trigger);
    const usages = slot.credential?.usages;
    const parts = {
      connectors: items.connector !== undefined || usages?.connection?.connector !== undefined,
      slots: items.credentials !== undefined,
      variables: items.variables !== undefined,
      authSchemeConfigs: slot.authSchemeConfig !== undefined,
      // A config's validationMessages are about the slot's credential.
      credentials:
        slot.credential !== undefined || slot.authSchemeConfig?.validationMessages !== undefined,
      usages: usages !== undefined,
    };
    return toPageResult(
      unwrapList(
        await connectorConnectionPage(ctx, organisationId, connectorId, first, after, parts),
      ),
    );
  }

  @Query(() => ConnectorConnectionType, {
    nullable: true,
    description:
      'One connection of one connector; null when there is none. Needs connections:read.',
  })
  async connectorConnection(
    @Arg('organisationId', () => ID, { description: QUERY_TENANT }) organisationId: string,
    @Arg('connectorId', () => ID, {
      description: 'The connector the connection belongs to. Unknown or malformed: null.',
    })
    connectorId: string,
    @Arg('connectionId', () => ID, { description: QUERY_CONNECTION_ID }) connectionId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<ConnectorConnection | null> {
    return unwrapQuery(
      await connectorConnectionById(ctx, organisationId, connectorId, connectionId),
    );
  }

  @FieldResolver(() => ConnectorType, { description: 'The connector that owns the connection.' })
  connector(
    @Root() connection: ConnectorConnection,
    @Ctx() ctx: GatewayContext,
  ): Connector | Promise<Connector> {
    const connector = ctx.loaders.connector.getIn(
      connection.organisationId,
      connection.connectorId,
    );
    return mapKnown(connector, connectorOf, connection);
  }

  @FieldResolver(() => ConnectionCredentialsType, {
    description:
      "The connection's action and trigger credential slots, each list in its stored order.",
  })
  credentials(
    @Root() connection: ConnectorConnection,
    @Ctx() ctx: GatewayContext,
  ): ConnectionCredentials | Promise<ConnectionCredentials> {
    // A dry run's connection carries its would-be slots; the stored ones would be wrong.
    if (connection.credentials) return connection.credentials;
    return ctx.loaders.connectionCredentials.getIn(connection.organisationId, connection.id);
  }

  @FieldResolver(() => [ConnectionVariableType], {
    description:
      'Variables which customize the connector in this connection, in their stored order.',
  })
  variables(
    @Root() connection: ConnectorConnection,
    @Ctx() ctx: GatewayContext,
  ): ConnectionVariable[] | Promise<ConnectionVariable[]> {
    if (connection.variables) return connection.variables;
    return ctx.loaders.connectionVariables.getIn(connection.organisationId, connection.id);
  }
}

@Resolver(() => ConnectionCredentialType)
export class ConnectionCredentialResolver {
  @FieldResolver(() => AuthSchemeConfigType, {
    description: 'The config this slot uses; its validationMessages are about this slot.',
  })
  authSchemeConfig(
    @Root() slot: ConnectionCredential,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): AuthSchemeConfigType | Promise<AuthSchemeConfigType> {
    const config = ctx.loaders.authSchemeConfig.getIn(slot.organisationId, slot.authSchemeConfigId);
    // The findings come with the config (a field of its own, not a resolver called for each
    // slot); the slot's credential is read only when they are asked for.
    if (!mentions(info, 'validationMessages')) return mapKnown(config, configForSlot, slot);
    const credential = ctx.loaders.credential.getIn(slot.organisationId, slot.credentialId);
    if (config instanceof Promise || credential instanceof Promise)
      return Promise.all([config, credential]).then(([c, k]) => configForSlot(c, slot, k));
    return configForSlot(config, slot, credential);
  }

  @FieldResolver(() => CredentialType, {
    description:
      'The credential in this slot. The set of credentials never changes through this API.',
  })
  credential(
    @Root() slot: ConnectionCredential,
    @Ctx() ctx: GatewayContext,
  ): Credential | Promise<Credential> {
    const credential = ctx.loaders.credential.getIn(slot.organisationId, slot.credentialId);
    return mapKnown(credential, credentialOfSlot, slot);
  }
}

@Resolver(() => CredentialType)
export class CredentialResolver {
  @FieldResolver(() => [CredentialUsageType], {
    description: 'The connections that use this credential, each once, oldest first.',
  })
  usages(
    @Root() credential: Credential,
    @Ctx() ctx: GatewayContext,
  ): CredentialUsage[] | Promise<CredentialUsage[]> {
    const usages = ctx.loaders.credentialUsages.getIn(credential.organisationId, credential.id);
    const wouldBe = ctx.loaders.wouldBeConnections;
    // The loader's own list unless a dry run of this request changed one of its connections.
    return wouldBe.size === 0 ? usages : mapKnown(usages, withWouldBe, wouldBe);
  }
}

/**
 * A slot's config as `ConnectionCredential.authSchemeConfig` shows it: with the findings about
 * it and the slot's credential when that is given (`validationMessages` asked for), else with
 * none (the field is not read then).
 */
function configForSlot(
  found: AuthSchemeConfig | null,
  slot: ConnectionCredential,
  credential?: Credential | null,
): AuthSchemeConfigType {
  if (!found) throw new Error(`auth scheme config of slot ${slot.id} is missing`);
  if (credential === null) throw new Error(`credential of slot ${slot.id} is missing`);
  return {
    id: found.id,
    schemeType: found.schemeType,
    description: found.description,
    validationMessages: credential ? validationMessagesFor(found, credential, new Date()) : [],
  };
}

/**
 * The nested objects below must exist (the database's foreign keys say so): missing is a fault
 * of ours. Functions of the module rather than `present`'s message closure made per field.
 */
function connectorOf(found: Connector | null, connection: ConnectorConnection): Connector {
  if (!found) throw new Error(`connector of connection ${connection.id} is missing`);
  return found;
}

function credentialOfSlot(found: Credential | null, slot: ConnectionCredential): Credential {
  if (!found) throw new Error(`credential of slot ${slot.id} is missing`);
  return found;
}

/** A credential's usages: each connection as a dry run would leave it, if one is pending. */
function withWouldBe(
  found: CredentialUsage[],
  wouldBe: ReadonlyMap<string, ConnectorConnection>,
): CredentialUsage[] {
  return found.map((usage) => {
    const changed = wouldBe.get(usage.connection.id);
    return changed ? { connection: changed } : usage;
  });
}
