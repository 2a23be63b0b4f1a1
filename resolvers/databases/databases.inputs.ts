import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, InputType, Int } from 'type-graphql';
import {
  assertPlainFieldsDeclared,
  DatabaseEngine,
  DatabaseSslMode,
  PlainPatchField,
} from './databases.types.js';
import { EXPECTED_VERSION } from '../shared/descriptions.js';
import type { FieldsOf } from '../shared/input.js';
import type { Same } from '../../src/shared/same.js';
import type { PatchField, SslPart } from '../../src/services/databases/rules.js';

@InputType('DatabaseSslInput', {
  description:
    'SSL options, patched part by part: an absent part is kept, null clears it, a value replaces it. At least one part.',
})
export class DatabaseSslInput {
  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether TLS is used. Absent: kept; null: cleared.',
  })
  enabled?: boolean | null;

  @Field(() => DatabaseSslMode, {
    nullable: true,
    description: 'How strictly the server certificate is checked. Absent: kept; null: cleared.',
  })
  mode?: DatabaseSslMode | null;

  @Field(() => String, {
    nullable: true,
    description: 'PEM certificate(s) of the trusted CA; at most 16 KiB (INVALID_PEM, TOO_LONG).',
  })
  caCertificate?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'PEM client certificate (chain); at most 16 KiB (INVALID_PEM, TOO_LONG).',
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
    'Request body for a partial update (PATCH): an absent field is unchanged; null clears an optional field (password, schema, ssl, metadata) and is InvalidInputError NOT_NULLABLE on a required one. At least one field besides expectedVersion (else NOTHING_TO_UPDATE at ["input"]).',
})
export class PatchDatabaseConnectionInput {
  @PlainPatchField(() => String, {
    input:
      'Unique identifier name for this connection configuration: trimmed, 3 to 100 characters (TOO_SHORT, TOO_LONG), unique in the tenant ignoring case (else ConflictError NAME_TAKEN).',
    output:
      'Unique identifier name for this connection configuration: 3 to 100 characters, unique in the tenant, ignoring case.',
  })
  name?: string | null;

  @PlainPatchField(() => DatabaseEngine, {
    input: 'Database engine type. null: NOT_NULLABLE.',
    output: 'Database engine type.',
  })
  type?: DatabaseEngine | null;

  @PlainPatchField(() => String, {
    input:
      'Hostname or IP address of the database server: an IPv4 or IPv6 address or an RFC 1123 host name, trimmed (INVALID_HOST).',
    output: 'Host name or IP address of the database server.',
  })
  host?: string | null;

  @PlainPatchField(() => Int, {
    input: 'Network port number for the database connection: 1 to 65535 (OUT_OF_RANGE).',
    output: 'Network port number for the database connection, 1 to 65535.',
  })
  port?: number | null;

  @PlainPatchField(() => String, {
    input: 'Name of the database to connect to on the target server: trimmed, 1 to 128 characters.',
    output: 'The database to connect to on the server.',
  })
  databaseName?: string | null;

  @PlainPatchField(() => String, {
    input: 'Username credential for database authentication: trimmed, 1 to 128 characters.',
    output: 'Username credential for database authentication.',
  })
  username?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Password credential for database authentication: 1 to 1024 characters, kept exactly as given. Write-only: encrypted upon storage, never returned (see `hasPassword`). null removes it.',
  })
  password?: string | null;

  @PlainPatchField(() => String, {
    input:
      'Database schema name (for example, public, analytics): trimmed, 1 to 128 characters; null removes it.',
    output: 'Database schema name (for example, public, analytics), when set; null when not.',
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
      'Replaces the whole map of additional information. Keys (1 to 100 characters) and values (at most 2000 characters) must be strings; nested objects are not allowed; at most 50 entries (INVALID_METADATA, KEY_TOO_LONG, TOO_LONG, TOO_MANY_ENTRIES at ["input","metadata",…]). null empties it.',
  })
  metadata?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true, description: EXPECTED_VERSION })
  expectedVersion?: number | null;
}

// The input classes carry exactly the fields the rules' lists name (`PATCH_FIELDS`,
// `SSL_PARTS`): a field added to one and not the other does not compile.
const sameFields: [
  Same<FieldsOf<PatchDatabaseConnectionInput>, PatchField | 'expectedVersion'>,
  Same<FieldsOf<DatabaseSslInput>, SslPart>,
] = [true, true];
void sameFields;
assertPlainFieldsDeclared();
