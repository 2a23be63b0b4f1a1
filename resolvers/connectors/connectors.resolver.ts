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
import { fillConnector, withConnectors } from './connection-connectors.js';
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
import {
  mentionedSelection,
  mergedSelections,
  selectionOf,
  type Selection,
} from '../shared/selection.js';
import { unwrapList, unwrapQuery } from '../shared/query-result.js';
import { toMutationResult } from '../shared/result-union.js';
import { MutationOptionsArgs } from '../shared/mutation-success.js';
import { UpdateConnectorConnectionInput } from './connectors.inputs.js';
import {
  AuthSchemeConfigType,
  ConnectionCredentialsType,
  ConnectionVariableType,
  ConnectorConnectionPage,
  ConnectorConnectionType,
  CredentialType,
  UpdateConnectorConnectionResult,
  UpdateConnectorConnectionSuccess,
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
    @Info() info: GraphQLResolveInfo,
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
    // The success's connection (a dry run's would-be one too) shows its connector.
    if (result.ok && mentionedSelection(info).connection?.connector !== undefined)
      await withConnectors(ctx, [result.value.value], undefined);
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
    const page = toPageResult(
      unwrapList(
        await connectorConnectionPage(ctx, organisationId, connectorId, first, after, parts),
      ),
    );
    // The page primed the connectors: filled in without a statement.
    return items.connector ? withConnectors(ctx, page.items, page) : page;
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
    @Info() info: GraphQLResolveInfo,
  ): Promise<ConnectorConnection | null> {
    const connection = unwrapQuery(
      await connectorConnectionById(ctx, organisationId, connectorId, connectionId),
    );
    if (!connection || mentionedSelection(info).connector === undefined) return connection;
    return withConnectors(ctx, [connection], connection);
  }

  @FieldResolver(() => ConnectionCredentialsType, {
    description:
      "The connection's action and trigger credential slots, each list in its stored order.",
  })
  credentials(
    @Root() connection: ConnectorConnection,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): ConnectionCredentialsType | Promise<ConnectionCredentialsType> {
    // A dry run's connection carries its would-be slots; the stored ones would be wrong.
    const slots =
      connection.credentials ??
      ctx.loaders.connectionCredentials.getIn(connection.organisationId, connection.id);
    return mapKnown(slots, withSlotParts, { ctx, wants: slotPartsOf(info), now: new Date() }) as
      ConnectionCredentialsType | Promise<ConnectionCredentialsType>;
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

/**
 * What a query names under `credentials` (action and trigger merged, `@skip` / `@include` not
 * read): a slot's nested objects are plain fields, filled in by `credentials` for all of a
 * connection's slots at once, so graphql-jit calls no resolver for each slot (~900 calls per
 * page of 100 connections before: each slot's config, credential and its usages).
 */
interface SlotParts {
  config: boolean;
  messages: boolean;
  credential: boolean;
  usages: boolean;
  /** A usage's `connection.connector`. */
  usageConnectors: boolean;
}

// Bound: one entry per field node list of a cached document (weakly held, like the selection).
const slotPartsCache = new WeakMap<Selection, SlotParts>();

function slotPartsOf(info: GraphQLResolveInfo): SlotParts {
  const selection = mentionedSelection(info);
  let parts = slotPartsCache.get(selection);
  if (!parts) {
    const slot = mergedSelections(selection.action, selection.trigger);
    parts = {
      config: slot.authSchemeConfig !== undefined,
      messages: slot.authSchemeConfig?.validationMessages !== undefined,
      credential: slot.credential !== undefined,
      usages: slot.credential?.usages !== undefined,
      usageConnectors: slot.credential?.usages?.connection?.connector !== undefined,
    };
    slotPartsCache.set(selection, parts);
  }
  return parts;
}

interface SlotRequest {
  ctx: GatewayContext;
  wants: SlotParts;
  /** What the slots' validationMessages are as of. */
  now: Date;
}

/**
 * A connection's slots with the nested objects the query names. What the request's loaders
 * do not know yet (a page primed them all) is read first, every slot's at once, so that the
 * loaders batch them as they did when each slot had its own resolvers.
 */
function withSlotParts(
  slots: ConnectionCredentials,
  request: SlotRequest,
): ConnectionCredentialsType | Promise<ConnectionCredentialsType> {
  const { ctx, wants } = request;
  const loaders = ctx.loaders;
  let waiting: Promise<unknown>[] | undefined;
  for (const list of [slots.action, slots.trigger])
    for (const slot of list) {
      const tenantId = slot.organisationId;
      const config = wants.config
        ? loaders.authSchemeConfig.getIn(tenantId, slot.authSchemeConfigId)
        : null;
      const credential =
        wants.credential || wants.messages
          ? loaders.credential.getIn(tenantId, slot.credentialId)
          : null;
      const usages = wants.usages
        ? loaders.credentialUsages.getIn(tenantId, slot.credentialId)
        : null;
      for (const read of [config, credential, usages])
        if (read instanceof Promise) (waiting ??= []).push(read);
      // The usages' connectors once the usages are known (in one batch, like the rest), a
      // dry run's would-be connection for its stored row (as `slotWithParts` shows them).
      if (wants.usageConnectors && usages && !(usages instanceof Promise)) {
        const wouldBe = loaders.wouldBeConnections;
        for (const { connection } of usages) {
          const shown =
            wouldBe.size === 0 ? connection : (wouldBe.get(connection.id) ?? connection);
          waiting = fillConnector(ctx, shown, waiting);
        }
      }
    }
  if (waiting) return Promise.all(waiting).then(() => withSlotParts(slots, request));
  return {
    action: slots.action.map((slot) => slotWithParts(slot, request)),
    trigger: slots.trigger.map((slot) => slotWithParts(slot, request)),
  };
}

/**
 * A credential with its usages, as a slot shows it, for each credential (a request's loaded
 * value). Bound: weakly held, one entry per credential a request still holds.
 */
const shownCredentials = new WeakMap<Credential, CredentialType>();

/**
 * One slot with its nested objects, all known by now. A part the query does not name stays
 * undefined: its field is never read.
 */
function slotWithParts(slot: ConnectionCredential, { ctx, wants, now }: SlotRequest) {
  const loaders = ctx.loaders;
  const tenantId = slot.organisationId;
  const credential =
    wants.credential || wants.messages
      ? credentialOfSlot(
          loaders.credential.getIn(tenantId, slot.credentialId) as Credential | null,
          slot,
        )
      : undefined;
  const config = wants.config
    ? configForSlot(
        loaders.authSchemeConfig.getIn(
          tenantId,
          slot.authSchemeConfigId,
        ) as AuthSchemeConfig | null,
        slot,
        wants.messages ? credential : undefined,
        now,
      )
    : undefined;
  let shown: CredentialType | undefined;
  if (wants.credential && credential) {
    if (wants.usages) {
      const loaded = loaders.credentialUsages.getIn(
        tenantId,
        slot.credentialId,
      ) as CredentialUsage[];
      const wouldBe = loaders.wouldBeConnections;
      // The loader's own list unless a dry run of this request changed one of its connections.
      const usages = wouldBe.size === 0 ? loaded : withWouldBe(loaded, wouldBe);
      // A page's ~300 slots share ~100 credentials: one shown credential for each.
      shown = shownCredentials.get(credential);
      if (shown?.usages !== usages) {
        shown = { ...credential, usages };
        shownCredentials.set(credential, shown);
      }
    } else shown = credential as CredentialType;
  }
  return {
    id: slot.id,
    authSchemeConfig: config as AuthSchemeConfigType,
    credential: shown as CredentialType,
  };
}

/**
 * A slot's config as `ConnectionCredential.authSchemeConfig` shows it: with the findings about
 * it and the slot's credential when that is given (`validationMessages` asked for), else with
 * none (the field is not read then).
 */
function configForSlot(
  found: AuthSchemeConfig | null,
  slot: ConnectionCredential,
  credential: Credential | undefined,
  now: Date,
): AuthSchemeConfigType {
  if (!found) throw new Error(`auth scheme config of slot ${slot.id} is missing`);
  return {
    id: found.id,
    schemeType: found.schemeType,
    description: found.description,
    validationMessages: credential ? validationMessagesFor(found, credential, now) : [],
  };
}

/**
 * The nested objects below must exist (the database's foreign keys say so): missing is a fault
 * of ours. A function of the module rather than a message closure made per field.
 */
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
