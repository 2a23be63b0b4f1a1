import { GraphQLJSONObject } from 'graphql-scalars';
import { GraphQLDateTime } from '../shared/date-time.js';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { JsonObject, OrgConnection } from '../../src/services/apps/service.js';
import { pageType } from '../shared/pagination.js';
import { VersionedConnectionType, VersionedInput } from '../shared/versioned.js';
import { resultUnion } from '../shared/result-union.js';
import { MutationSuccess } from '../shared/mutation-success.js';
import type { MutationOutcome } from '../../src/services/mutation.js';

@ObjectType('AppAuthConfig', {
  simpleResolvers: true,
  description:
    'How an organisation can authenticate with an App. Only the non-secret part of its data is readable; secret parts (such as an OAuth clientSecret) are write-only.',
})
export class AppAuthConfigType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, {
    description: 'The method of authentication: "oidc", "oauth2", "apikey", "httpBasicAuth", …',
  })
  type!: string;

  @Field(() => Boolean, {
    description:
      'True when the config holds everything needed to connect through it. An App may have invalid configs as long as one is valid.',
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
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'The organisation (tenant) that owns the App.' })
  orgId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Boolean)
  public!: boolean;

  @Field(() => String, { nullable: true })
  imageUrl!: string | null;

  @Field(() => String, { nullable: true })
  schemaId!: string | null;

  @Field(() => GraphQLJSONObject)
  schema!: JsonObject;

  @Field(() => GraphQLJSONObject)
  schemaMetadata!: JsonObject;

  @Field(() => GraphQLJSONObject)
  server!: JsonObject;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
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
  @Field(() => ID)
  id!: string;

  @Field(() => String)
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

  @Field(() => String)
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

@InputType({ description: 'The credential data of an API-key connection. Write-only.' })
export class ApiKeyConnectionDataInput {
  @Field(() => String, {
    description:
      '1 to 4096 characters, not only whitespace; stored encrypted exactly as given, never returned.',
  })
  apiKey!: string;
}

@InputType({ description: 'The whole connection (PUT): every field is replaced.' })
export class ReplaceOrgConnectionInput extends VersionedInput {
  @Field(() => String, { description: '1 to 200 characters; trimmed.' })
  name!: string;

  @Field(() => ApiKeyConnectionDataInput)
  data!: ApiKeyConnectionDataInput;
}

@ObjectType({
  simpleResolvers: true,
  description: 'The connection as replaced (in a dry run: as it would be).',
})
export class ReplaceOrgConnectionSuccess extends MutationSuccess {
  @Field(() => OrgConnectionType)
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
