import type { GraphQLScalarType } from 'graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { GraphQLDateTime } from '../shared/date-time.js';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type {
  DatabaseConnection,
  DatabaseJobStatus as DatabaseJobStatusValue,
  DatabaseSsl,
} from '../../src/services/databases/model.js';
import {
  PATCH_FIELDS,
  PLAIN_FIELDS,
  type DatabaseEngine as DatabaseEngineValue,
  type DatabaseSslMode as DatabaseSslModeValue,
  type PlainField,
} from '../../src/services/databases/rules.js';
import type { Same } from '../../src/shared/same.js';
import { pageType } from '../shared/pagination.js';
import { VersionedConnectionType, VersionedInput } from '../shared/versioned.js';
import { resultUnion } from '../shared/result-union.js';
import { SUCCESS_CONNECTION } from '../shared/descriptions.js';
import { MutationSuccess } from '../shared/mutation-success.js';
import type { MutationOutcome } from '../../src/shared/result.js';

export enum DatabaseEngine {
  ORACLE = 'ORACLE',
  SQL_SERVER = 'SQL_SERVER',
  POSTGRESQL = 'POSTGRESQL',
  MONGODB = 'MONGODB',
  MYSQL = 'MYSQL',
}
registerEnumType(DatabaseEngine, {
  name: 'DatabaseEngine',
  description: 'Database engine type: the database server software a connection talks to.',
  valuesConfig: {
    ORACLE: { description: 'Oracle Database.' },
    SQL_SERVER: { description: 'Microsoft SQL Server.' },
    POSTGRESQL: { description: 'PostgreSQL.' },
    MONGODB: { description: 'MongoDB.' },
    MYSQL: { description: 'MySQL.' },
  },
});

export enum DatabaseSslMode {
  DISABLE = 'DISABLE',
  REQUIRE = 'REQUIRE',
  VERIFY_CA = 'VERIFY_CA',
  VERIFY_FULL = 'VERIFY_FULL',
}
registerEnumType(DatabaseSslMode, {
  name: 'DatabaseSslMode',
  description: 'How strictly the server certificate is checked.',
  valuesConfig: {
    DISABLE: { description: 'No TLS.' },
    REQUIRE: { description: 'TLS, without checking the server certificate.' },
    VERIFY_CA: { description: 'TLS; the server certificate must chain to the CA.' },
    VERIFY_FULL: { description: 'As VERIFY_CA, and the host name must match the certificate.' },
  },
});

export enum DatabaseJobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(DatabaseJobStatus, {
  name: 'DatabaseJobStatus',
  description:
    'Where a job is in its life. QUEUED and RUNNING jobs are active: while one exists, its connection cannot be patched.',
  valuesConfig: {
    QUEUED: { description: 'Waiting to run; active.' },
    RUNNING: { description: 'Running; active.' },
    SUCCEEDED: { description: 'Finished successfully.' },
    FAILED: { description: 'Finished with an error.' },
    CANCELLED: { description: 'Stopped before it finished.' },
  },
});

// The GraphQL enums and the domain's string unions must name the same values.
const sameValues: [
  Same<`${DatabaseEngine}`, DatabaseEngineValue>,
  Same<`${DatabaseSslMode}`, DatabaseSslModeValue>,
  Same<`${DatabaseJobStatus}`, DatabaseJobStatusValue>,
] = [true, true, true];
void sameValues;

@ObjectType('DatabaseJob', {
  simpleResolvers: true,
  description: 'A job that uses a database connection.',
})
export class DatabaseJobType {
  @Field(() => ID, {
    description: "The job's id, as listed in ConflictError.activeJobIds.",
  })
  id!: string;

  @Field(() => DatabaseJobStatus, { description: 'Where the job is in its life.' })
  status!: DatabaseJobStatusValue;

  @Field(() => GraphQLDateTime, { description: 'When the job was created (UTC).' })
  createdAt!: Date;
}

@ObjectType('DatabaseSsl', {
  simpleResolvers: true,
  description:
    'SSL/TLS settings of a connection. The client key is write-only: only `hasClientKey` says whether one is set.',
})
export class DatabaseSslType implements DatabaseSsl {
  @Field(() => Boolean, { nullable: true, description: 'Whether TLS is used; null when not set.' })
  enabled!: boolean | null;

  @Field(() => DatabaseSslMode, {
    nullable: true,
    description: 'How strictly the server certificate is checked; null when not set.',
  })
  mode!: DatabaseSslModeValue | null;

  @Field(() => String, { nullable: true, description: 'PEM certificate(s) of the trusted CA.' })
  caCertificate!: string | null;

  @Field(() => String, { nullable: true, description: 'PEM certificate presented to the server.' })
  clientCertificate!: string | null;

  @Field(() => Boolean, { description: 'Whether a client private key is stored (encrypted).' })
  hasClientKey!: boolean;
}

@ObjectType('DatabaseConnection', {
  simpleResolvers: true,
  description: 'A connection to a database server.',
})
export class DatabaseConnectionType extends VersionedConnectionType {
  // The plain fields of `PATCH_FIELDS` (name, type, host, port, databaseName, username,
  // schema, …) are declared with their input fields, by `@PlainPatchField` in
  // databases.inputs.ts.

  @Field(() => ID, { description: 'The tenant that owns the connection.' })
  tenantId!: string;

  @Field(() => Boolean, {
    description: 'Whether a password is stored (encrypted). The password itself is never returned.',
  })
  hasPassword!: boolean;

  @Field(() => DatabaseSslType, {
    nullable: true,
    description:
      'SSL configuration object containing certificate and security options; null when no SSL option is set.',
  })
  ssl!: DatabaseSsl | null;

  @Field(() => GraphQLJSONObject, {
    description:
      'Additional connection-related information: a flat object of string keys (at most 100 characters) to string values (at most 2000 characters); {} when none.',
  })
  metadata!: Record<string, string>;

  @Field(() => String, {
    description:
      'The product name associated with this connection; empty ("") when the connection has not been assigned to a product. Read-only.',
  })
  productName!: string;

  // `activeJobs` is resolved by DatabaseConnectionResolver through a loader.
}

const declaredPlainFields = new Set<PlainField>();

/**
 * Declares a plain field of `PATCH_FIELDS` on both sides of the API at once, with one GraphQL
 * type: on the input class it decorates (nullable: absent keeps the value, null clears an
 * optional field) and on `DatabaseConnection`, where it is returned as stored (non-null
 * unless the field is optional in `PATCH_FIELDS`). The compiler refuses it on a field that is
 * not plain; `assertPlainFieldsDeclared` refuses a plain field declared without it.
 */
export function PlainPatchField(
  type: () => GraphQLScalarType | object,
  description: { input: string; output: string },
) {
  return (prototype: object, field: PlainField): void => {
    Field(type, { nullable: true, description: description.input })(prototype, field);
    Field(type, { nullable: PATCH_FIELDS[field].nullable, description: description.output })(
      DatabaseConnectionType.prototype,
      field,
    );
    declaredPlainFields.add(field);
  };
}

/** Throws (at import, so at start and in every test) when a plain field has no output field. */
export function assertPlainFieldsDeclared(): void {
  const missing = PLAIN_FIELDS.filter((field) => !declaredPlainFields.has(field));
  if (missing.length > 0) {
    throw new Error(
      `PatchDatabaseConnectionInput: declare ${missing.join(', ')} with @PlainPatchField, so DatabaseConnection returns it`,
    );
  }
}

export const DatabaseConnectionPage = pageType(DatabaseConnectionType, 'DatabaseConnectionPage');

@ObjectType('PatchDatabaseConnectionSuccess', {
  simpleResolvers: true,
  description:
    'The connection was patched, or already was as asked (then its version is unchanged).',
})
export class PatchDatabaseConnectionSuccess extends MutationSuccess {
  @Field(() => DatabaseConnectionType, { description: SUCCESS_CONNECTION })
  connection: DatabaseConnection;

  constructor(outcome: MutationOutcome<DatabaseConnection>) {
    super(outcome);
    this.connection = outcome.value;
  }
}

export const PatchDatabaseConnectionResult = resultUnion(
  'PatchDatabaseConnectionResult',
  PatchDatabaseConnectionSuccess,
);
