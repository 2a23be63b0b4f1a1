import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import {
  connectorConnectionById,
  connectorConnectionPage,
  updateConnectorConnection,
} from '../../src/services/connectors/service.js';
import type {
  ConnectionCredential,
  ConnectionCredentials,
  ConnectionVariable,
  Connector,
  ConnectorConnection,
  Credential,
} from '../../src/services/connectors/model.js';
import {
  validationMessagesFor,
  type ValidationMessage,
} from '../../src/services/connectors/validation-messages.js';
import { inputFields } from '../shared/input.js';
import { PageArgs, toPageResult } from '../shared/pagination.js';
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
  ) {
    return toPageResult(
      unwrapList(await connectorConnectionPage(ctx, organisationId, connectorId, first, after)),
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
  async connector(
    @Root() connection: ConnectorConnection,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connector> {
    const connector = await ctx.loaders.connector.load({
      tenantId: connection.organisationId,
      id: connection.connectorId,
    });
    if (!connector) throw new Error(`connector of connection ${connection.id} is missing`);
    return connector;
  }

  @FieldResolver(() => ConnectionCredentialsType, {
    description:
      "The connection's action and trigger credential slots, each list in its stored order.",
  })
  async credentials(
    @Root() connection: ConnectorConnection,
    @Ctx() ctx: GatewayContext,
  ): Promise<ConnectionCredentials> {
    // A dry run's connection carries its would-be slots; the stored ones would be wrong.
    if (connection.credentials) return connection.credentials;
    return ctx.loaders.connectionCredentials.load({
      tenantId: connection.organisationId,
      id: connection.id,
    });
  }

  @FieldResolver(() => [ConnectionVariableType], {
    description:
      'Variables which customize the connector in this connection, in their stored order.',
  })
  async variables(
    @Root() connection: ConnectorConnection,
    @Ctx() ctx: GatewayContext,
  ): Promise<ConnectionVariable[]> {
    if (connection.variables) return connection.variables;
    return ctx.loaders.connectionVariables.load({
      tenantId: connection.organisationId,
      id: connection.id,
    });
  }
}

@Resolver(() => ConnectionCredentialType)
export class ConnectionCredentialResolver {
  @FieldResolver(() => AuthSchemeConfigType, {
    description: 'The config this slot uses; its validationMessages are about this slot.',
  })
  async authSchemeConfig(
    @Root() slot: ConnectionCredential,
    @Ctx() ctx: GatewayContext,
  ): Promise<AuthSchemeConfigType> {
    const config = await ctx.loaders.authSchemeConfig.load({
      tenantId: slot.organisationId,
      id: slot.authSchemeConfigId,
    });
    if (!config) throw new Error(`auth scheme config of slot ${slot.id} is missing`);
    return {
      id: config.id,
      schemeType: config.schemeType,
      description: config.description,
      organisationId: slot.organisationId,
      slotCredentialId: slot.credentialId,
    };
  }

  @FieldResolver(() => CredentialType, {
    description:
      'The credential in this slot. The set of credentials never changes through this API.',
  })
  async credential(
    @Root() slot: ConnectionCredential,
    @Ctx() ctx: GatewayContext,
  ): Promise<Credential> {
    const credential = await ctx.loaders.credential.load({
      tenantId: slot.organisationId,
      id: slot.credentialId,
    });
    if (!credential) throw new Error(`credential of slot ${slot.id} is missing`);
    return credential;
  }
}

@Resolver(() => AuthSchemeConfigType)
export class AuthSchemeConfigResolver {
  @FieldResolver(() => [ValidationMessageType], {
    description:
      "The server's findings about this config with the slot's credential; empty when sound.",
  })
  async validationMessages(
    @Root() config: AuthSchemeConfigType,
    @Ctx() ctx: GatewayContext,
  ): Promise<ValidationMessage[]> {
    const credential = await ctx.loaders.credential.load({
      tenantId: config.organisationId,
      id: config.slotCredentialId,
    });
    if (!credential) throw new Error(`credential of config ${config.id}'s slot is missing`);
    return validationMessagesFor(config, credential, new Date());
  }
}

@Resolver(() => CredentialType)
export class CredentialResolver {
  @FieldResolver(() => [CredentialUsageType], {
    description: 'The connections that use this credential, each once, oldest first.',
  })
  async usages(
    @Root() credential: Credential,
    @Ctx() ctx: GatewayContext,
  ): Promise<CredentialUsageType[]> {
    const connections = await ctx.loaders.credentialUsages.load({
      tenantId: credential.organisationId,
      id: credential.id,
    });
    const wouldBe = ctx.loaders.wouldBeConnections;
    return connections.map((connection) => ({
      connection: (wouldBe.size > 0 && wouldBe.get(connection.id)) || connection,
    }));
  }
}
