import { GraphQLDateTime } from '../shared/date-time.js';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type {
  ConnectionClientEnabled,
  NexusClient,
  NexusConnection,
} from '../../src/services/nexus/model.js';
import { pageType } from '../shared/pagination.js';
import { VersionedConnectionType, VersionedInput } from '../shared/versioned.js';
import { resultUnion } from '../shared/result-union.js';
import { SUCCESS_CONNECTION } from '../shared/descriptions.js';
import { MutationSuccess } from '../shared/mutation-success.js';
import type { MutationOutcome } from '../../src/shared/result.js';

@ObjectType('Client', {
  simpleResolvers: true,
  description: "A client of a tenant: an application that uses the tenant's connections.",
})
export class ClientType {
  @Field(() => ID, {
    description:
      'The client id (case-sensitive): what SetConnectionClientEnabledInput.clientId names.',
  })
  id!: string;

  @Field(() => String, { description: "The client's display name." })
  name!: string;
}

@ObjectType('ConnectionClient', {
  simpleResolvers: true,
  description: "One entry of a Nexus connection's client list.",
})
export class ConnectionClientType {
  @Field(() => ClientType, {
    description: 'The client of the tenant; enable or disable it with setConnectionClientEnabled.',
  })
  client!: ClientType;

  @Field(() => Boolean, {
    description: 'Whether the client is enabled for this connection, i.e. may use it.',
  })
  enabled!: boolean;
}

@ObjectType('NexusConnection', {
  simpleResolvers: true,
  description: 'A tenant connection with a list of clients (Nexus).',
})
export class NexusConnectionType extends VersionedConnectionType {
  @Field(() => ID, { description: 'The tenant that owns the connection.' })
  tenantId!: string;

  @Field(() => String, { description: "The connection's name." })
  name!: string;

  // `clients` is resolved by NexusConnectionResolver through a loader.
}

export const NexusConnectionPage = pageType(NexusConnectionType, 'NexusConnectionPage');

@InputType({ description: 'Which client to enable or disable on the connection.' })
export class SetConnectionClientEnabledInput extends VersionedInput {
  @Field(() => ID, {
    nullable: true,
    description:
      'A client of the tenant (case-sensitive; 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit). Enabling one not yet on the connection appends it, enabled; disabling one not on it changes nothing. Required although nullable, as in the REST API: missing is REQUIRED, null is NOT_NULLABLE, malformed is INVALID_ID, all at ["input","clientId"]. A client the tenant does not have: NotFoundError Client.',
  })
  clientId?: string | null;

  @Field(() => Boolean, {
    description: 'Whether to enable (true) or disable (false) the client for this connection.',
  })
  enabled!: boolean;
}

@ObjectType({
  simpleResolvers: true,
  description: 'The connection after the call, the client, and whether it is now enabled.',
})
export class SetConnectionClientEnabledSuccess extends MutationSuccess {
  @Field(() => NexusConnectionType, { description: SUCCESS_CONNECTION })
  connection: NexusConnection;

  @Field(() => ClientType, { description: 'The client that was enabled or disabled.' })
  client: NexusClient;

  @Field(() => Boolean, { description: 'Whether the client is enabled on the connection now.' })
  enabled: boolean;

  constructor(outcome: MutationOutcome<ConnectionClientEnabled>) {
    super(outcome);
    const value = outcome.value;
    this.connection = value.connection;
    this.client = value.client;
    this.enabled = value.enabled;
  }
}

export const SetConnectionClientEnabledResult = resultUnion(
  'SetConnectionClientEnabledResult',
  SetConnectionClientEnabledSuccess,
);
