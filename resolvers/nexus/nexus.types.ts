import { GraphQLDateTime } from '../shared/date-time.js';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type {
  ConnectionClientEnabled,
  NexusClient,
  NexusConnection,
} from '../../src/services/nexus/service.js';
import { pageType } from '../shared/pagination.js';
import { VersionedConnectionType, VersionedInput } from '../shared/versioned.js';
import { resultUnion } from '../shared/result-union.js';
import { MutationSuccess } from '../shared/mutation-success.js';
import type { MutationOutcome } from '../../src/services/mutation.js';

@ObjectType('Client', {
  simpleResolvers: true,
  description: "A client of a tenant: an application that uses the tenant's connections.",
})
export class ClientType {
  @Field(() => ID, { description: 'The client id (case-sensitive).' })
  id!: string;

  @Field(() => String)
  name!: string;
}

@ObjectType('ConnectionClient', {
  simpleResolvers: true,
  description: "One entry of a Nexus connection's client list.",
})
export class ConnectionClientType {
  @Field(() => ClientType)
  client!: ClientType;

  @Field(() => Boolean, { description: 'Whether the client may use this connection.' })
  enabled!: boolean;
}

@ObjectType('NexusConnection', {
  simpleResolvers: true,
  description: 'A tenant connection with a list of clients (Nexus).',
})
export class NexusConnectionType extends VersionedConnectionType {
  @Field(() => ID, { description: 'The tenant that owns the connection.' })
  tenantId!: string;

  @Field(() => String)
  name!: string;

  // `clients` is resolved by NexusConnectionResolver through a loader.
}

export const NexusConnectionPage = pageType(NexusConnectionType, 'NexusConnectionPage');

@InputType({ description: 'Which client to enable or disable on the connection.' })
export class SetConnectionClientEnabledInput extends VersionedInput {
  @Field(() => ID, {
    nullable: true,
    description:
      'The client to enable or disable; it must be on the connection. Required: null or missing is an InvalidInputError.',
  })
  clientId?: string | null;

  @Field(() => Boolean, {
    description: 'true to enable the client on the connection, false to disable it.',
  })
  enabled!: boolean;
}

@ObjectType({
  simpleResolvers: true,
  description: 'The connection after the call, the client, and whether it is now enabled.',
})
export class SetConnectionClientEnabledSuccess extends MutationSuccess {
  @Field(() => NexusConnectionType)
  connection: NexusConnection;

  @Field(() => ClientType)
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
