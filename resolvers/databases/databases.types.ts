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
import type { Same } from '../shared/input.js';
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
  @Field(() => ID, { description: 'The tenant that owns the connection.' })
  tenantId!: string;

  @Field(() => String, {
    description:
      'Unique identifier name for this connection configuration: 3 to 100 characters, unique in the tenant, ignoring case.',
  })
  name!: string;

  @Field(() => DatabaseEngine, { description: 'Database engine type.' })
  type!: DatabaseEngineValue;

  @Field(() => String, { description: 'Host name or IP address of the database server.' })
  host!: string;

  @Field(() => Int, {
    description: 'Network port number for the database connection, 1 to 65535.',
  })
  port!: number;

  @Field(() => String, { description: 'The database to connect to on the server.' })
  databaseName!: string;

  @Field(() => String, { description: 'Username credential for database authentication.' })
  username!: string;

  @Field(() => Boolean, {
    description: 'Whether a password is stored (encrypted). The password itself is never returned.',
  })
  hasPassword!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Database schema name (for example, public, analytics), when set; null when not.',
  })
  schema!: string | null;

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
