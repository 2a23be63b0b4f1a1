import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, InputType, Int } from 'type-graphql';
import { DatabaseEngine, DatabaseSslMode } from './databases.types.js';

@InputType('DatabaseSslInput', {
  description:
    'SSL options, patched part by part: an absent part is kept, null clears it, a value replaces it. At least one part.',
})
export class DatabaseSslInput {
  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => DatabaseSslMode, { nullable: true })
  mode?: DatabaseSslMode | null;

  @Field(() => String, {
    nullable: true,
    description: 'PEM certificate(s) of the trusted CA; at most 16 KiB.',
  })
  caCertificate?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'PEM client certificate (chain); at most 16 KiB.',
  })
  clientCertificate?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'PEM private key of the client certificate; at most 16 KiB. Write-only: stored encrypted, never returned (see `hasClientKey`).',
  })
  clientKey?: string | null;
}

@InputType('PatchDatabaseConnectionInput', {
  description:
    'PATCH semantics: an absent field is unchanged; null clears an optional field (password, schema, ssl, metadata) and is an InvalidInputError on a required one. At least one field besides expectedVersion.',
})
export class PatchDatabaseConnectionInput {
  @Field(() => String, {
    nullable: true,
    description: '3 to 100 characters (trimmed); unique in the tenant, ignoring case.',
  })
  name?: string | null;

  @Field(() => DatabaseEngine, { nullable: true })
  type?: DatabaseEngine | null;

  @Field(() => String, {
    nullable: true,
    description: 'An IPv4 or IPv6 address or an RFC 1123 host name (trimmed).',
  })
  host?: string | null;

  @Field(() => Int, { nullable: true, description: '1 to 65535.' })
  port?: number | null;

  @Field(() => String, { nullable: true, description: '1 to 128 characters (trimmed).' })
  databaseName?: string | null;

  @Field(() => String, { nullable: true, description: '1 to 128 characters (trimmed).' })
  username?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      '1 to 1024 characters, kept exactly as given. Write-only: stored encrypted, never returned (see `hasPassword`). null removes it.',
  })
  password?: string | null;

  @Field(() => String, {
    nullable: true,
    description: '1 to 128 characters (trimmed); null removes it.',
  })
  schema?: string | null;

  @Field(() => DatabaseSslInput, {
    nullable: true,
    description:
      'Changes the given SSL options; null removes all SSL settings, the client key included.',
  })
  ssl?: DatabaseSslInput | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description:
      'Replaces the whole map: string keys (1 to 100 characters) to string values (at most 2000 characters), no nesting, at most 50 entries. null empties it.',
  })
  metadata?: Record<string, unknown> | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Refuse the change (VERSION_MISMATCH) unless this is the current version.',
  })
  expectedVersion?: number | null;
}
