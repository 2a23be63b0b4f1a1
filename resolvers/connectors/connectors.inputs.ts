import { Field, ID, InputType, Int } from 'type-graphql';

@InputType('ConnectionCredentialInput', {
  description: 'One credential slot in its new place: the list order is the new order.',
})
export class ConnectionCredentialInput {
  @Field(() => ID, {
    description: "The slot's id (ConnectionCredential.id), not the credential's.",
  })
  id!: string;

  @Field(() => ID, {
    description: "One of the connector's auth scheme configs, of the slot's current scheme type.",
  })
  authSchemeConfigId!: string;
}

@InputType('ConnectionCredentialsInput', {
  description:
    "Each list holds exactly the connection's current slots of that kind, each once, in the new order.",
})
export class ConnectionCredentialsInput {
  @Field(() => [ConnectionCredentialInput])
  action!: ConnectionCredentialInput[];

  @Field(() => [ConnectionCredentialInput])
  trigger!: ConnectionCredentialInput[];
}

@InputType('ConnectionVariableInput', { description: 'A variable: name unique within the list.' })
export class ConnectionVariableInput {
  @Field(() => String, {
    description:
      '1 to 100 characters: letters, digits, "_", "." or "-", starting with a letter or "_".',
  })
  name!: string;

  @Field(() => String, { description: 'At most 10,000 characters.' })
  value!: string;
}

@InputType('UpdateConnectorConnectionInput', {
  description:
    'Rename, reorder credentials and switch their configs, replace variables. Absent credentials or variables stay unchanged.',
})
export class UpdateConnectorConnectionInput {
  @Field(() => ID, { nullable: true, description: 'When given, must equal connectionId.' })
  id?: string | null;

  @Field(() => String, {
    description: '1 to 200 characters, trimmed; unique within the connector.',
  })
  name!: string;

  @Field(() => ConnectionCredentialsInput, {
    nullable: true,
    description: 'Absent: unchanged. The set of credentials cannot change, only order and configs.',
  })
  credentials?: ConnectionCredentialsInput | null;

  @Field(() => [ConnectionVariableInput], {
    nullable: true,
    description:
      'Absent: unchanged; []: delete them all; a list (at most 100): replaces them, in order.',
  })
  variables?: ConnectionVariableInput[] | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Refuse the change (VERSION_MISMATCH) unless this is the current version.',
  })
  expectedVersion?: number | null;
}
