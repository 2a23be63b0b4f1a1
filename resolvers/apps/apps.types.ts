import { GraphQLJSONObject } from 'graphql-scalars';
import { GraphQLDateTime } from '../shared/date-time.js';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { JsonObject, OrgConnection } from '../../src/services/apps/model.js';
import { pageType } from '../shared/pagination.js';
import { VersionedConnectionType, VersionedInput } from '../shared/versioned.js';
import { resultUnion } from '../shared/result-union.js';
import { CREATED_AT, SUCCESS_CONNECTION, UPDATED_AT } from '../shared/descriptions.js';
import { MutationSuccess } from '../shared/mutation-success.js';
import type { MutationOutcome } from '../../src/shared/result.js';

@ObjectType('AppAuthConfig', {
  simpleResolvers: true,
  description:
    'How an organisation can authenticate with an App. Only the non-secret part of its data is readable; secret parts (such as an OAuth clientSecret) are write-only.',
})
export class AppAuthConfigType {
  @Field(() => ID, { description: "The auth config's id." })
  id!: string;

  @Field(() => String, {
    description:
      'The method of authentication. Valid values are: "oidc", "oauth2", "apikey", "httpRefresh", "httpBasicAuth", "jwtBearer", "customFunction". replaceOrgConnection needs a valid "apikey" config.',
  })
  type!: string;

  @Field(() => Boolean, {
    description:
      'True if and only if the data holds all the information required to let an organisation connect to the App via this auth type. An App may have invalid auth configs providing at least one is valid.',
  })
  isValid!: boolean;

  @Field(() => GraphQLJSONObject, {
    description:
      'The non-secret settings of the config (e.g. clientId, header name). Never secrets.',
  })
  data!: JsonObject;

  @Field(() => Boolean, {
    description:
      'Whether secret settings (e.g. an OAuth clientSecret) are stored. Their values are never returned.',
  })
  hasSecretData!: boolean;

  // `appId` links the config to its App; not exposed.
  appId!: string;
  orgId!: string;
}

@ObjectType('App', {
  simpleResolvers: true,
  description: 'An App an organisation can connect to.',
})
export class AppType {
  @Field(() => ID, { description: "The App's id." })
  id!: string;

  @Field(() => ID, { description: 'The organisation (tenant) that owns the App.' })
  orgId!: string;

  @Field(() => String, { description: "The App's name." })
  name!: string;

  @Field(() => Boolean, {
    description: 'Whether organisations other than its owner can connect to the App.',
  })
  public!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "URL of the App's image; null when it has none.",
  })
  imageUrl!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The id of the App's schema; null when it has none.",
  })
  schemaId!: string | null;

  @Field(() => GraphQLJSONObject, {
    description: "The App's schema, as the App defines it (a JSON object; {} when none).",
  })
  schema!: JsonObject;

  @Field(() => GraphQLJSONObject, {
    description: "Metadata about the App's schema (a JSON object; {} when none).",
  })
  schemaMetadata!: JsonObject;

  @Field(() => GraphQLJSONObject, {
    description: 'Where and how the App is reached (a JSON object; {} when none).',
  })
  server!: JsonObject;

  @Field(() => GraphQLDateTime, { description: CREATED_AT })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { description: UPDATED_AT })
  updatedAt!: Date;

  @Field(() => GraphQLDateTime, {
    nullable: true,
    description: 'Set once the App is deleted; its connections can then no longer be replaced.',
  })
  deletedAt!: Date | null;

  // `supportedAuthConfigs` is resolved by AppResolver through a loader.
}

@ObjectType('Board', {
  simpleResolvers: true,
  description: 'A board that uses an org connection.',
})
export class BoardType {
  @Field(() => ID, { description: "The board's id." })
  id!: string;

  @Field(() => String, { description: "The board's name." })
  name!: string;
}

@ObjectType('OrgConnection', {
  simpleResolvers: true,
  description:
    "An organisation's connection to an App, authenticated by API key. The API key is write-only.",
})
export class OrgConnectionType extends VersionedConnectionType {
  @Field(() => ID, { description: 'The organisation (tenant) that owns the connection.' })
  orgId!: string;

  @Field(() => String, { description: "The connection's name (1 to 200 characters)." })
  name!: string;

  @Field(() => ID, {
    description:
      'The current credential. Replacing the API key creates a new credential with a new id.',
  })
  credentialId!: string;

  @Field(() => Boolean, {
    description: 'Whether an API key is stored. The key itself is never returned.',
  })
  hasApiKey!: boolean;

  // `app`, `authConfig` and `usedByBoards` are resolved by OrgConnectionResolver through loaders.
  appId!: string;
  authConfigId!: string | null;
}

export const OrgConnectionPage = pageType(OrgConnectionType, 'OrgConnectionPage');

@InputType({
  description: 'The data of a connection that uses an apikey authentication type. Write-only.',
})
export class ApiKeyConnectionDataInput {
  @Field(() => String, {
    description:
      'The API key: 1 to 4096 characters, not only whitespace (BLANK, TOO_LONG at ["input","data","apiKey"]); stored encrypted exactly as given, never returned (see OrgConnection.hasApiKey).',
  })
  apiKey!: string;
}

@InputType({
  description:
    'The request body to update an existing connection; it replaces the existing connection details (PUT): every field is replaced.',
})
export class ReplaceOrgConnectionInput extends VersionedInput {
  @Field(() => String, {
    description:
      'The new name: trimmed, 1 to 200 characters, no control characters (BLANK, TOO_LONG, INVALID_CHARACTERS at ["input","name"]).',
  })
  name!: string;

  @Field(() => ApiKeyConnectionDataInput, {
    description:
      'The new credential data. The App must support a valid apikey auth config, else InvalidInputError UNSUPPORTED_AUTH_TYPE at ["input","data"].',
  })
  data!: ApiKeyConnectionDataInput;
}

@ObjectType({
  simpleResolvers: true,
  description: 'The connection was replaced (or already held this name and key).',
})
export class ReplaceOrgConnectionSuccess extends MutationSuccess {
  @Field(() => OrgConnectionType, { description: SUCCESS_CONNECTION })
  connection: OrgConnection;

  constructor(outcome: MutationOutcome<OrgConnection>) {
    super(outcome);
    this.connection = outcome.value;
  }
}

export const ReplaceOrgConnectionResult = resultUnion(
  'ReplaceOrgConnectionResult',
  ReplaceOrgConnectionSuccess,
);
