import { GraphQLJSONObject } from 'graphql-scalars';
import { GraphQLDateTime } from '../shared/date-time.js';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type {
  DatabaseConnection,
  DatabaseJobStatus as DatabaseJobStatusValue,
  DatabaseSsl,
} from '../../src/services/databases/model.js';
import type {
  DatabaseEngine as DatabaseEngineValue,
  DatabaseSslMode as DatabaseSslModeValue,
} from '../../src/services/databases/rules.js';
import { pageType } from '../shared/pagination.js';
import { VersionedConnectionType, VersionedInput } from '../shared/versioned.js';
import { resultUnion } from '../shared/result-union.js';
import { MutationSuccess } from '../shared/mutation-success.js';
import type { MutationOutcome } from '../../src/services/mutation.js';

export enum DatabaseEngine {
  ORACLE = 'ORACLE',
  SQL_SERVER = 'SQL_SERVER',
  POSTGRESQL = 'POSTGRESQL',
  MONGODB = 'MONGODB',
  MYSQL = 'MYSQL',
}
registerEnumType(DatabaseEngine, {
  name: 'DatabaseEngine',
  description: 'The database server software a connection talks to.',
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
  description: 'Where a job is in its life; QUEUED and RUNNING jobs use their connection.',
});

// The GraphQL enums and the domain's string unions must name the same values.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
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
  @Field(() => ID)
  id!: string;

  @Field(() => DatabaseJobStatus)
  status!: DatabaseJobStatusValue;

  @Field(() => GraphQLDateTime)
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

  @Field(() => DatabaseSslMode, { nullable: true })
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
  @Field(() => ID, { description: 'The tenant that owns the connection.' })
  tenantId!: string;

  @Field(() => String, { description: '3 to 100 characters; unique in the tenant, ignoring case.' })
  name!: string;

  @Field(() => DatabaseEngine)
  type!: DatabaseEngineValue;

  @Field(() => String, { description: 'Host name or IP address of the database server.' })
  host!: string;

  @Field(() => Int)
  port!: number;

  @Field(() => String, { description: 'The database to connect to on the server.' })
  databaseName!: string;

  @Field(() => String)
  username!: string;

  @Field(() => Boolean, {
    description: 'Whether a password is stored (encrypted). The password itself is never returned.',
  })
  hasPassword!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Database schema, e.g. public or analytics.',
  })
  schema!: string | null;

  @Field(() => DatabaseSslType, { nullable: true, description: 'Null when no SSL option is set.' })
  ssl!: DatabaseSsl | null;

  @Field(() => GraphQLJSONObject, {
    description: 'Additional information: a flat map of string keys to string values.',
  })
  metadata!: Record<string, string>;

  @Field(() => String, {
    nullable: true,
    description: 'The product the connection is assigned to; null when none. Read-only.',
  })
  productName!: string | null;

  // `activeJobs` is resolved by DatabaseConnectionResolver through a loader.
}

export const DatabaseConnectionPage = pageType(DatabaseConnectionType, 'DatabaseConnectionPage');

@ObjectType('PatchDatabaseConnectionSuccess', {
  simpleResolvers: true,
  description: 'The connection as stored after the patch (in a dry run: as it would be).',
})
export class PatchDatabaseConnectionSuccess extends MutationSuccess {
  @Field(() => DatabaseConnectionType)
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
