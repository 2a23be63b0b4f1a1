import { sql, type CreateTableBuilder, type Kysely } from 'kysely';

/**
 * The whole first schema: tenancy and identity, audit, and the five services' tables.
 *
 * Frozen in time: this file never imports application code. Every business row carries
 * `tenant_id`; foreign keys between business rows are composite with the tenant, so a row of
 * one tenant can never point at a row of another. Timestamps are `timestamptz(3)` so that a
 * JavaScript `Date` round-trips exactly (keyset pagination compares them).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;

  // --- tenancy and identity -------------------------------------------------------------
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('tenant_entitlements')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('entitlement', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('tenant_entitlements_pk', ['tenant_id', 'entitlement'])
    .execute();

  await db.schema
    .createTable('principals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('principal_id', 'text', (c) =>
      c.notNull().references('principals.id').onDelete('cascade'),
    )
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('permissions', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addPrimaryKeyConstraint('memberships_pk', ['principal_id', 'tenant_id'])
    .execute();
  await db.schema
    .createIndex('memberships_tenant_idx')
    .on('memberships')
    .column('tenant_id')
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('principal_id', 'text', (c) =>
      c.notNull().references('principals.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now))
    .addColumn('expires_at', sql`timestamptz(3)`)
    .addColumn('revoked_at', sql`timestamptz(3)`)
    .execute();
  await db.schema
    .createIndex('api_keys_principal_idx')
    .on('api_keys')
    .column('principal_id')
    .execute();

  // --- audit ------------------------------------------------------------------------------
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('changed_fields', sql`text[]`, (c) => c.notNull())
    .addColumn('from_version', 'integer', (c) => c.notNull())
    .addColumn('to_version', 'integer', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createIndex('audit_events_resource_idx')
    .on('audit_events')
    .columns(['resource_id', 'tenant_id', 'created_at', 'id'])
    .execute();

  // --- OES --------------------------------------------------------------------------------
  await tenantTable(db, 'oes_partners', (t) => t.addColumn('name', 'text', (c) => c.notNull()));
  await tenantTable(db, 'oes_connections', (t) =>
    t
      .addColumn('partner_id', 'uuid', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now))
      .addForeignKeyConstraint(
        'oes_connections_partner_fk',
        ['tenant_id', 'partner_id'],
        'oes_partners',
        ['tenant_id', 'id'],
      ),
  );
  await listIndex(db, 'oes_connections');

  // --- Nexus ------------------------------------------------------------------------------
  await db.schema
    .createTable('nexus_clients')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('owner_principal_id', 'text')
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('nexus_clients_pk', ['tenant_id', 'id'])
    .execute();
  await tenantTable(db, 'nexus_connections', (t) =>
    t
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now)),
  );
  await listIndex(db, 'nexus_connections');
  await db.schema
    .createTable('nexus_connection_clients')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'uuid', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addPrimaryKeyConstraint('nexus_connection_clients_pk', [
      'tenant_id',
      'connection_id',
      'client_id',
    ])
    .addForeignKeyConstraint(
      'nexus_connection_clients_connection_fk',
      ['tenant_id', 'connection_id'],
      'nexus_connections',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'nexus_connection_clients_client_fk',
      ['tenant_id', 'client_id'],
      'nexus_clients',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  // --- Apps -------------------------------------------------------------------------------
  await tenantTable(db, 'apps', (t) =>
    t
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('public', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('image_url', 'text')
      .addColumn('schema_id', 'text')
      .addColumn('schema', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('schema_metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('server', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now))
      .addColumn('deleted_at', sql`timestamptz(3)`),
  );
  await tenantTable(db, 'app_auth_configs', (t) =>
    t
      .addColumn('app_id', 'uuid', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('is_valid', 'boolean', (c) => c.notNull())
      .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('secret_data_enc', 'text')
      .addForeignKeyConstraint('app_auth_configs_app_fk', ['tenant_id', 'app_id'], 'apps', [
        'tenant_id',
        'id',
      ]),
  );
  await db.schema
    .createIndex('app_auth_configs_app_idx')
    .on('app_auth_configs')
    .columns(['tenant_id', 'app_id', 'position'])
    .execute();
  await tenantTable(db, 'org_connections', (t) =>
    t
      .addColumn('app_id', 'uuid', (c) => c.notNull())
      .addColumn('auth_config_id', 'uuid')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'uuid', (c) => c.notNull())
      .addColumn('api_key_enc', 'text')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now))
      .addForeignKeyConstraint('org_connections_app_fk', ['tenant_id', 'app_id'], 'apps', [
        'tenant_id',
        'id',
      ])
      .addForeignKeyConstraint(
        'org_connections_auth_config_fk',
        ['tenant_id', 'auth_config_id'],
        'app_auth_configs',
        ['tenant_id', 'id'],
      ),
  );
  await listIndex(db, 'org_connections');
  await tenantTable(db, 'boards', (t) => t.addColumn('name', 'text', (c) => c.notNull()));
  await db.schema
    .createTable('board_connections')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('board_id', 'uuid', (c) => c.notNull())
    .addColumn('connection_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('board_connections_pk', ['tenant_id', 'connection_id', 'board_id'])
    .addForeignKeyConstraint('board_connections_board_fk', ['tenant_id', 'board_id'], 'boards', [
      'tenant_id',
      'id',
    ])
    .addForeignKeyConstraint(
      'board_connections_connection_fk',
      ['tenant_id', 'connection_id'],
      'org_connections',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  // --- Databases --------------------------------------------------------------------------
  await tenantTable(db, 'database_connections', (t) =>
    t
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) =>
        c.notNull().check(sql`type in ('ORACLE','SQL_SERVER','POSTGRESQL','MONGODB','MYSQL')`),
      )
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('port', 'integer', (c) => c.notNull().check(sql`port between 1 and 65535`))
      .addColumn('database_name', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('password_enc', 'text')
      .addColumn('schema', 'text')
      .addColumn('ssl', 'jsonb')
      .addColumn('ssl_client_key_enc', 'text')
      .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('product_name', 'text')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now)),
  );
  await listIndex(db, 'database_connections');
  await sql`create unique index database_connections_name_uq
            on database_connections (tenant_id, lower(name))`.execute(db);
  await tenantTable(db, 'database_jobs', (t) =>
    t
      .addColumn('connection_id', 'uuid', (c) => c.notNull())
      .addColumn('status', 'text', (c) =>
        c.notNull().check(sql`status in ('QUEUED','RUNNING','SUCCEEDED','FAILED','CANCELLED')`),
      )
      .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now))
      .addForeignKeyConstraint(
        'database_jobs_connection_fk',
        ['tenant_id', 'connection_id'],
        'database_connections',
        ['tenant_id', 'id'],
      ),
  );
  await sql`create index database_jobs_active_idx on database_jobs (tenant_id, connection_id, id)
            where status in ('QUEUED','RUNNING')`.execute(db);

  // --- Connectors -------------------------------------------------------------------------
  await tenantTable(db, 'connectors', (t) =>
    t
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('protocol', 'text', (c) => c.notNull())
      .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now)),
  );
  await tenantTable(db, 'auth_scheme_configs', (t) =>
    t
      .addColumn('connector_id', 'uuid', (c) => c.notNull())
      .addColumn('scheme_type', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('config', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addForeignKeyConstraint(
        'auth_scheme_configs_connector_fk',
        ['tenant_id', 'connector_id'],
        'connectors',
        ['tenant_id', 'id'],
      ),
  );
  await db.schema
    .createIndex('auth_scheme_configs_connector_idx')
    .on('auth_scheme_configs')
    .columns(['tenant_id', 'connector_id'])
    .execute();
  await tenantTable(db, 'credentials', (t) =>
    t
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('data_enc', 'text')
      .addColumn('errors', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
      .addColumn('expires_at', sql`timestamptz(3)`),
  );
  await tenantTable(db, 'connector_connections', (t) =>
    t
      .addColumn('connector_id', 'uuid', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(now))
      .addForeignKeyConstraint(
        'connector_connections_connector_fk',
        ['tenant_id', 'connector_id'],
        'connectors',
        ['tenant_id', 'id'],
      )
      .addUniqueConstraint('connector_connections_name_uq', ['tenant_id', 'connector_id', 'name']),
  );
  await listIndex(db, 'connector_connections');
  await db.schema
    .createIndex('connector_connections_connector_idx')
    .on('connector_connections')
    .columns(['tenant_id', 'connector_id', 'created_at', 'id'])
    .execute();
  await tenantTable(db, 'connection_credentials', (t) =>
    t
      .addColumn('connection_id', 'uuid', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('action','trigger')`))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('credential_id', 'uuid', (c) => c.notNull())
      .addColumn('auth_scheme_config_id', 'uuid', (c) => c.notNull())
      .addForeignKeyConstraint(
        'connection_credentials_connection_fk',
        ['tenant_id', 'connection_id'],
        'connector_connections',
        ['tenant_id', 'id'],
        (fk) => fk.onDelete('cascade'),
      )
      .addForeignKeyConstraint(
        'connection_credentials_credential_fk',
        ['tenant_id', 'credential_id'],
        'credentials',
        ['tenant_id', 'id'],
      )
      .addForeignKeyConstraint(
        'connection_credentials_scheme_fk',
        ['tenant_id', 'auth_scheme_config_id'],
        'auth_scheme_configs',
        ['tenant_id', 'id'],
      ),
  );
  await db.schema
    .createIndex('connection_credentials_connection_idx')
    .on('connection_credentials')
    .columns(['tenant_id', 'connection_id', 'kind', 'position'])
    .execute();
  await db.schema
    .createIndex('connection_credentials_credential_idx')
    .on('connection_credentials')
    .columns(['tenant_id', 'credential_id'])
    .execute();
  await db.schema
    .createTable('connection_variables')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'uuid', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('connection_variables_pk', ['tenant_id', 'connection_id', 'name'])
    .addForeignKeyConstraint(
      'connection_variables_connection_fk',
      ['tenant_id', 'connection_id'],
      'connector_connections',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'connection_variables',
    'connection_credentials',
    'connector_connections',
    'credentials',
    'auth_scheme_configs',
    'connectors',
    'database_jobs',
    'database_connections',
    'board_connections',
    'boards',
    'org_connections',
    'app_auth_configs',
    'apps',
    'nexus_connection_clients',
    'nexus_connections',
    'nexus_clients',
    'oes_connections',
    'oes_partners',
    'audit_events',
    'api_keys',
    'memberships',
    'principals',
    'tenant_entitlements',
    'tenants',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

type CreateTable = CreateTableBuilder<any, any>;

/**
 * A business table: `id uuid` primary key, `tenant_id` referencing `tenants`, a
 * `(tenant_id, id)` unique key that composite foreign keys point at, and `created_at`.
 */
async function tenantTable(
  db: Kysely<any>,
  name: string,
  columns: (t: CreateTable) => CreateTable,
): Promise<void> {
  const base = db.schema
    .createTable(name)
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint(`${name}_tenant_id_uq`, ['tenant_id', 'id']);
  await columns(base).execute();
}

/** The index behind every `<service>Connections(tenant, first, after)` keyset page. */
async function listIndex(db: Kysely<any>, table: string): Promise<void> {
  await db.schema
    .createIndex(`${table}_list_idx`)
    .on(table)
    .columns(['tenant_id', 'created_at', 'id'])
    .execute();
}
