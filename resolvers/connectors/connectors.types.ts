import { GraphQLDateTime } from '../shared/date-time.js';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type {
  Connector,
  ConnectorConnection,
  CredentialUsage,
} from '../../src/services/connectors/model.js';
import type { ValidationMessage } from '../../src/services/connectors/validation-messages.js';
import { pageType } from '../shared/pagination.js';
import { VersionedConnectionType, VersionedInput } from '../shared/versioned.js';
import { resultUnion } from '../shared/result-union.js';
import { CREATED_AT, SUCCESS_CONNECTION, UPDATED_AT } from '../shared/descriptions.js';
import { MutationSuccess } from '../shared/mutation-success.js';
import type { MutationOutcome } from '../../src/shared/result.js';

/** GraphQL enum values are UPPER_CASE, as GraphQL convention has it (the seed's, upper-cased). */
export enum ValidationSeverity {
  INFO = 'INFO',
  WARNING = 'WARNING',
  ERROR = 'ERROR',
}
registerEnumType(ValidationSeverity, {
  name: 'ValidationSeverity',
  description: 'How serious a validation message is.',
  valuesConfig: {
    INFO: { description: 'For information; nothing needs doing.' },
    WARNING: {
      description:
        'The slot works for now but needs attention: its credential expires within 7 days, or carries errors.',
    },
    ERROR: {
      description:
        "The slot cannot work: its credential is not of the config's scheme type, or has expired.",
    },
  },
});

@ObjectType('Connector', {
  simpleResolvers: true,
  description: 'A connector: what its connections connect to.',
})
export class ConnectorType {
  @Field(() => ID, { description: 'The unique identifier of the Connector.' })
  id!: string;

  @Field(() => ID, { description: 'The organisation (tenant) that owns the connector.' })
  organisationId!: string;

  @Field(() => String, { description: "The connector's name." })
  name!: string;

  @Field(() => String, { description: 'The protocol the connector speaks, e.g. "http".' })
  protocol!: string;

  @Field(() => GraphQLDateTime, { description: CREATED_AT })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { description: UPDATED_AT })
  updatedAt!: Date;
}

@ObjectType('ValidationMessage', {
  simpleResolvers: true,
  description: 'A finding about a credential slot, computed by the server.',
})
export class ValidationMessageType {
  @Field(() => String, { description: 'The finding, for people.' })
  text!: string;

  @Field(() => ValidationSeverity, { description: 'How serious the finding is.' })
  severity!: ValidationSeverity;

  @Field(() => [String], { description: 'Particulars, e.g. the errors the credential carries.' })
  detail!: string[];
}

@ObjectType('AuthSchemeConfig', {
  simpleResolvers: true,
  description: "One of a connector's ways to authenticate, as used by one credential slot.",
})
export class AuthSchemeConfigType {
  @Field(() => ID, {
    description: "The config's id: what ConnectionCredentialInput.authSchemeConfigId names.",
  })
  id!: string;

  @Field(() => String, {
    description:
      'The kind of authentication the config implements, e.g. "oauth2". A slot can only switch to a config of the same scheme type.',
  })
  schemeType!: string;

  @Field(() => String, { description: 'What the config is, for people.' })
  description!: string;

  @Field(() => [ValidationMessageType], {
    description:
      "The server's findings about this config with the slot's credential; empty when sound.",
  })
  validationMessages!: ValidationMessage[];
}

@ObjectType('CredentialUsage', {
  simpleResolvers: true,
  description: 'A connection that uses a credential.',
})
export class CredentialUsageType {
  @Field(() => ConnectorConnectionType, { description: 'The connection that uses the credential.' })
  connection!: ConnectorConnection;
}

@ObjectType('Credential', {
  simpleResolvers: true,
  description:
    'A credential. Its data is a secret: no field returns it; `hasData` says whether it is set.',
})
export class CredentialType {
  @Field(() => ID, { description: "The credential's id (not the slot's)." })
  id!: string;

  @Field(() => ID, { description: 'The organisation (tenant) that owns the credential.' })
  organisationId!: string;

  @Field(() => String, { description: 'The scheme type the credential is for.' })
  type!: string;

  @Field(() => String, { description: "The credential's name." })
  name!: string;

  @Field(() => [String], {
    description: 'Problems recorded against the credential; any makes its slots report a warning.',
  })
  errors!: string[];

  @Field(() => GraphQLDateTime, {
    nullable: true,
    description:
      'When the credential expires (UTC); null when it does not. Expired: an error on its slots; within 7 days: a warning.',
  })
  expiresAt!: Date | null;

  @Field(() => Boolean, { description: 'Whether the credential holds data (never returned).' })
  hasData!: boolean;

  @Field(() => GraphQLDateTime, { description: CREATED_AT })
  createdAt!: Date;

  // Built by ConnectorConnectionResolver.credentials when the query names it.
  @Field(() => [CredentialUsageType], {
    description: 'The connections that use this credential, each once, oldest first.',
  })
  usages!: CredentialUsage[];
}

@ObjectType('ConnectionCredential', {
  simpleResolvers: true,
  description:
    'A credential slot of a connection: a credential and the auth scheme config it is used with.',
})
export class ConnectionCredentialType {
  @Field(() => ID, {
    description:
      "The slot's id: what ConnectionCredentialInput.id names (not the credential's id).",
  })
  id!: string;

  // Built by ConnectorConnectionResolver.credentials with the parts the query names.
  @Field(() => AuthSchemeConfigType, {
    description: 'The config this slot uses; its validationMessages are about this slot.',
  })
  authSchemeConfig!: AuthSchemeConfigType;

  @Field(() => CredentialType, {
    description:
      'The credential in this slot. The set of credentials never changes through this API.',
  })
  credential!: CredentialType;
}

@ObjectType('ConnectionCredentials', {
  simpleResolvers: true,
  description: "A connection's credentials, each list in its order.",
})
export class ConnectionCredentialsType {
  @Field(() => [ConnectionCredentialType], {
    description: 'The slots used for actions, in order.',
  })
  action!: ConnectionCredentialType[];

  @Field(() => [ConnectionCredentialType], {
    description: 'The slots used for triggers, in order.',
  })
  trigger!: ConnectionCredentialType[];
}

@ObjectType('ConnectionVariable', {
  simpleResolvers: true,
  description: 'A named value that customizes a connection.',
})
export class ConnectionVariableType {
  @Field(() => String, { description: "The variable's name, unique within the connection." })
  name!: string;

  @Field(() => String, { description: "The variable's value." })
  value!: string;
}

@ObjectType('ConnectorConnection', {
  simpleResolvers: true,
  description: "A connector's connection: ordered action and trigger credentials, and variables.",
})
export class ConnectorConnectionType extends VersionedConnectionType {
  @Field(() => ID, { description: 'The organisation (tenant) that owns the connection.' })
  organisationId!: string;

  @Field(() => String, {
    description: "The connection's name (1 to 200 characters), unique within the connector.",
  })
  name!: string;

  // Filled in by whoever hands out the connection, when the query names it (no resolver call
  // per connection): see connection-connectors.ts.
  @Field(() => ConnectorType, { description: 'The connector that owns the connection.' })
  connector!: Connector;

  // `credentials` and `variables` are resolved by ConnectorConnectionResolver.
  connectorId!: string;
}

export const ConnectorConnectionPage = pageType(ConnectorConnectionType, 'ConnectorConnectionPage');

@ObjectType('UpdateConnectorConnectionSuccess', {
  simpleResolvers: true,
  description:
    'The connection was updated, or already was as asked (then its version is unchanged).',
})
export class UpdateConnectorConnectionSuccess extends MutationSuccess {
  @Field(() => ConnectorConnectionType, { description: SUCCESS_CONNECTION })
  connection: ConnectorConnection;

  constructor(outcome: MutationOutcome<ConnectorConnection>) {
    super(outcome);
    this.connection = outcome.value;
  }
}

export const UpdateConnectorConnectionResult = resultUnion(
  'UpdateConnectorConnectionResult',
  UpdateConnectorConnectionSuccess,
);
