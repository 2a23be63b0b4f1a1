import { Field, ID, InputType, Int } from 'type-graphql';
import { EXPECTED_VERSION } from '../shared/descriptions.js';

@InputType('ConnectionCredentialInput', {
  description: 'One credential slot in its new place: the list order is the new order.',
})
export class ConnectionCredentialInput {
  @Field(() => ID, {
    description: "The slot's id (ConnectionCredential.id), not the credential's.",
  })
  id!: string;

  @Field(() => ID, {
    description:
      "The AuthSchemeConfig the slot is to use: one of the connector's configs (else UNKNOWN_AUTH_SCHEME_CONFIG), of the slot's current scheme type (else SCHEME_TYPE_CHANGED).",
  })
  authSchemeConfigId!: string;
}

@InputType('ConnectionCredentialsInput', {
  description:
    "Each list holds exactly the connection's current slots of that kind, each once, in the new order.",
})
export class ConnectionCredentialsInput {
  @Field(() => [ConnectionCredentialInput], {
    description:
      'Every current action slot, once each, in the new order (else CREDENTIALS_MISMATCH or DUPLICATE at ["input","credentials","action"]).',
  })
  action!: ConnectionCredentialInput[];

  @Field(() => [ConnectionCredentialInput], {
    description:
      'Every current trigger slot, once each, in the new order (else CREDENTIALS_MISMATCH or DUPLICATE at ["input","credentials","trigger"]).',
  })
  trigger!: ConnectionCredentialInput[];
}

@InputType('ConnectionVariableInput', {
  description: 'A variable: a name, unique within the list (else DUPLICATE), and its value.',
})
export class ConnectionVariableInput {
  @Field(() => String, {
    description:
      '1 to 100 characters: letters, digits, "_", "." or "-", starting with a letter or "_" (INVALID_NAME).',
  })
  name!: string;

  @Field(() => String, { description: 'At most 10,000 characters (TOO_LONG).' })
  value!: string;
}

@InputType('UpdateConnectorConnectionInput', {
  description:
    'The updates to apply to an existing connection: rename it, edit its variables, and update the order and AuthSchemeConfig of each ConnectionCredential. Absent credentials or variables stay unchanged.',
})
export class UpdateConnectorConnectionInput {
  @Field(() => ID, {
    nullable: true,
    description: 'When given, must equal connectionId (else ID_MISMATCH); null counts as absent.',
  })
  id?: string | null;

  @Field(() => String, {
    description:
      'The name, required: trimmed, 1 to 200 characters, no control characters; unique within the connector (else ConflictError NAME_TAKEN).',
  })
  name!: string;

  @Field(() => ConnectionCredentialsInput, {
    nullable: true,
    description:
      'Absent: unchanged. The set of credentials cannot change, only their order and configs. null: NOT_NULLABLE.',
  })
  credentials?: ConnectionCredentialsInput | null;

  @Field(() => [ConnectionVariableInput], {
    nullable: true,
    description:
      'Absent: unchanged; []: delete them all; a list (at most 100, else TOO_MANY): replaces them, in order. null: NOT_NULLABLE.',
  })
  variables?: ConnectionVariableInput[] | null;

  @Field(() => Int, { nullable: true, description: EXPECTED_VERSION })
  expectedVersion?: number | null;
}
