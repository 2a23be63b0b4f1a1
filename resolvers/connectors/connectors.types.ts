import { GraphQLDateTime } from '../shared/date-time.js';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ConnectorConnection } from '../../src/services/connectors/types.js';
import { pageType } from '../shared/pagination.js';
import { VersionedConnectionType, VersionedInput } from '../shared/versioned.js';
import { resultUnion } from '../shared/result-union.js';
import { MutationSuccess } from '../shared/mutation-success.js';
import type { MutationOutcome } from '../../src/services/mutation.js';

/** GraphQL enum values are the seed's lower-case values. */
export enum ValidationSeverity {
  info = 'info',
  warning = 'warning',
  error = 'error',
}
registerEnumType(ValidationSeverity, {
  name: 'ValidationSeverity',
  description: 'How serious a validation message is.',
});

@ObjectType('Connector', {
  simpleResolvers: true,
  description: 'A connector: what its connections connect to.',
})
export class ConnectorType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'The organisation (tenant) that owns the connector.' })
  organisationId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'e.g. http.' })
  protocol!: string;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

@ObjectType('ValidationMessage', {
  simpleResolvers: true,
  description: 'A finding about a credential slot, computed by the server.',
})
export class ValidationMessageType {
  @Field(() => String)
  text!: string;

  @Field(() => ValidationSeverity)
  severity!: ValidationSeverity;

  @Field(() => [String], { description: 'Particulars, e.g. the errors the credential carries.' })
  detail!: string[];
}

@ObjectType('AuthSchemeConfig', {
  simpleResolvers: true,
  description: "One of a connector's ways to authenticate, as used by one credential slot.",
})
export class AuthSchemeConfigType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, {
    description: 'A slot can only switch to a config of the same scheme type.',
  })
  schemeType!: string;

  @Field(() => String)
  description!: string;

  // `validationMessages` is resolved by AuthSchemeConfigResolver from these:
  organisationId!: string;
  /** The credential of the slot this config was reached through. */
  slotCredentialId!: string;
}

@ObjectType('CredentialUsage', {
  simpleResolvers: true,
  description: 'A connection that uses a credential.',
})
export class CredentialUsageType {
  @Field(() => ConnectorConnectionType)
  connection!: ConnectorConnection;
}

@ObjectType('Credential', {
  simpleResolvers: true,
  description:
    'A credential. Its data is a secret: no field returns it; `hasData` says whether it is set.',
})
export class CredentialType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  organisationId!: string;

  @Field(() => String, { description: 'The scheme type the credential is for.' })
  type!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'Problems recorded against the credential.' })
  errors!: string[];

  @Field(() => GraphQLDateTime, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => Boolean, { description: 'Whether the credential holds data (never returned).' })
  hasData!: boolean;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  // `usages` is resolved by CredentialResolver through a loader.
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

  // `authSchemeConfig` and `credential` are resolved by ConnectionCredentialResolver from these:
  organisationId!: string;
  credentialId!: string;
  authSchemeConfigId!: string;
}

@ObjectType('ConnectionCredentials', {
  simpleResolvers: true,
  description: "A connection's credentials, each list in its order.",
})
export class ConnectionCredentialsType {
  @Field(() => [ConnectionCredentialType])
  action!: ConnectionCredentialType[];

  @Field(() => [ConnectionCredentialType])
  trigger!: ConnectionCredentialType[];
}

@ObjectType('ConnectionVariable', {
  simpleResolvers: true,
  description: 'A named value that customizes a connection.',
})
export class ConnectionVariableType {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType('ConnectorConnection', {
  simpleResolvers: true,
  description: "A connector's connection: ordered action and trigger credentials, and variables.",
})
export class ConnectorConnectionType extends VersionedConnectionType {
  @Field(() => ID, { description: 'The organisation (tenant) that owns the connection.' })
  organisationId!: string;

  @Field(() => String, { description: 'Unique within the connector.' })
  name!: string;

  // `connector`, `credentials` and `variables` are resolved by ConnectorConnectionResolver.
  connectorId!: string;
}

export const ConnectorConnectionPage = pageType(ConnectorConnectionType, 'ConnectorConnectionPage');

@ObjectType('UpdateConnectorConnectionSuccess', {
  simpleResolvers: true,
  description: 'The connection after the update (in a dry run: as it would be).',
})
export class UpdateConnectorConnectionSuccess extends MutationSuccess {
  @Field(() => ConnectorConnectionType)
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
