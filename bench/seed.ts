/**
 * Builds the bench database from nothing: drop and recreate it, run the gateway's migrations,
 * then seed a realistic volume with set-based SQL (`insert … select … generate_series`).
 *
 * Volume (defaults): 10 tenants, 10,000 connections of every service kind spread evenly over
 * them, with their related rows: OES partners; Nexus clients (3 per connection); Apps with two
 * auth configs each, boards (2 per org connection); database jobs (one finished job per
 * database connection, and a queued or running job on 1 in 20 — those are never patched by
 * the bench); connectors with auth scheme configs, credentials (each used by 3 connections:
 * the `usages`), 2 action + 1 trigger credential slots and 2 variables per connection.
 * Secrets (database passwords, org API keys, credential data) are sealed with the gateway's
 * own `SecretBox` under the key the gateway process is started with. API keys are hashed
 * with the gateway's `hashApiKey`, one admin key per tenant.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createDb } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { generateApiKey, hashApiKey } from '../src/auth/api-keys.js';
import { SecretBox } from '../src/crypto/secret-box.js';

export interface SeedOptions {
  databaseUrl: string;
  secretKeys: { id: string; key: Buffer }[];
  tenants?: number;
  connectionsPerKind?: number;
  log?: (line: string) => void;
}

export interface TenantFixture {
  id: string;
  /** Bearer token of the tenant's admin key (connections:read, connections:write, client.write.all). */
  apiKey: string;
  /** OES connections the load may update. */
  oesIds: string[];
  /** Database connections without a queued or running job: the ones the load may patch. */
  databaseIds: string[];
}

export interface Fixture {
  tenants: TenantFixture[];
  /** Rows kept out of the load, for the statement capture (one gateway, one baseline call each). */
  probe: { tenantId: string; oes: [string, string]; database: [string, string] };
  counts: Record<string, number>;
  seedMs: number;
}

/** `…/dbname?…` → `…/other?…` (the WHATWG URL parser refuses `postgresql://user@/db?host=/socket`). */
export function withDatabase(url: string, database: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)(\/[^?#]*)?(.*)$/i.exec(url);
  if (!match) throw new Error(`cannot parse the database URL ${JSON.stringify(url)}`);
  return `${match[1]}/${encodeURIComponent(database)}${match[3] ?? ''}`;
}

export function databaseNameOf(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\/([^?#]*)/i.exec(url);
  const name = match ? decodeURIComponent(match[1]) : '';
  if (!name) throw new Error(`the database URL ${JSON.stringify(url)} names no database`);
  return name;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Drops and recreates the database named in `databaseUrl` (connecting to `postgres` for it). */
export async function recreateDatabase(databaseUrl: string): Promise<void> {
  const name = databaseNameOf(databaseUrl);
  if (name === 'postgres' || name === 'template0' || name === 'template1') {
    throw new Error(
      `refusing to drop the database "${name}": point BENCH_DATABASE_URL at a database of its own`,
    );
  }
  const admin = new pg.Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
    await admin.query(`create database ${quoteIdent(name)}`);
  } finally {
    await admin.end();
  }
}

export async function seedBenchDatabase(options: SeedOptions): Promise<Fixture> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const tenantCount = options.tenants ?? 10;
  const perKind = options.connectionsPerKind ?? 10_000;
  const perTenant = Math.ceil(perKind / tenantCount);
  const box = new SecretBox(options.secretKeys);

  await recreateDatabase(options.databaseUrl);
  const migrating = await createDb({ databaseUrl: options.databaseUrl, poolSize: 1 });
  try {
    await migrateToLatest(migrating.db);
  } finally {
    await migrating.close();
  }
  log(`database recreated and migrated (${Math.round(performance.now() - started)} ms)`);

  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const slow: string[] = [];
  const q = async (text: string, values?: unknown[]) => {
    const t0 = performance.now();
    const result = await client.query(text, values);
    const ms = performance.now() - t0;
    if (ms > 2000) slow.push(`${Math.round(ms)} ms: ${text.replace(/\s+/g, ' ').slice(0, 80)}`);
    return result;
  };
  const tenantIds = Array.from(
    { length: tenantCount },
    (_, i) => `bench-t${String(i).padStart(2, '0')}`,
  );
  const keys = tenantIds.map(() => generateApiKey());
  // Parameters every statement below can use: $1 tenant ids, $2 connections per tenant.
  const base = [tenantIds, perTenant];

  try {
    await q('begin');
    // --- tenancy and identity ------------------------------------------------------------
    await q(`insert into tenants (id, name) select t, 'Bench ' || t from unnest($1::text[]) t`, [
      tenantIds,
    ]);
    await q(
      `insert into tenant_entitlements (tenant_id, entitlement) select t, 'oes' from unnest($1::text[]) t`,
      [tenantIds],
    );
    await q(
      `insert into principals (id, name) select 'bench-admin-' || t, 'Bench admin of ' || t from unnest($1::text[]) t`,
      [tenantIds],
    );
    await q(
      `insert into api_keys (id, principal_id, name, key_hash)
       select gen_random_uuid(), 'bench-admin-' || t, 'bench admin key', h
       from unnest($1::text[], $2::text[]) as k(t, h)`,
      [tenantIds, keys.map(hashApiKey)],
    );
    // A key's rights are its own (api_key_memberships): each admin key, in its tenant.
    await q(
      `insert into api_key_memberships (api_key_id, tenant_id, permissions)
       select k.id, substr(k.principal_id, length('bench-admin-') + 1),
              '{connections:read,connections:write,client.write.all}'
       from api_keys k where k.principal_id = any(select 'bench-admin-' || t from unnest($1::text[]) t)`,
      [tenantIds],
    );

    // Every list table gets distinct, increasing created_at values (keyset pagination order).
    const ts = (i: string) => `timestamptz '2026-01-01 00:00:00+00' + (${i}) * interval '1 second'`;

    // --- OES ------------------------------------------------------------------------------
    await q(
      `insert into oes_partners (id, tenant_id, name, created_at)
       select gen_random_uuid(), t, 'Partner venue ' || p, ${ts('p')}
       from unnest($1::text[]) t cross join generate_series(0, 19) p`,
      [tenantIds],
    );
    await q(
      `with p as (select id, tenant_id, row_number() over (partition by tenant_id order by created_at) - 1 as k from oes_partners)
       insert into oes_connections (id, tenant_id, partner_id, name, active, created_at, updated_at)
       select gen_random_uuid(), p.tenant_id, p.id, 'OES connection ' || g, true, ${ts('g')}, ${ts('g')}
       from generate_series(0, $2::int - 1) g join p on p.k = g % 20
       where p.tenant_id = any($1::text[])`,
      base,
    );

    // --- Nexus ----------------------------------------------------------------------------
    await q(
      `insert into nexus_clients (tenant_id, id, name, owner_principal_id, created_at)
       select t, 'client-' || c, 'Client ' || c, case when c % 10 = 0 then 'bench-admin-' || t end, ${ts('c')}
       from unnest($1::text[]) t cross join generate_series(0, 49) c`,
      [tenantIds],
    );
    await q(
      `insert into nexus_connections (id, tenant_id, name, created_at, updated_at)
       select gen_random_uuid(), t, 'Nexus connection ' || g, ${ts('g')}, ${ts('g')}
       from unnest($1::text[]) t cross join generate_series(0, $2::int - 1) g`,
      base,
    );
    await q(
      `with n as (select id, tenant_id, row_number() over (partition by tenant_id order by created_at, id) - 1 as k from nexus_connections)
       insert into nexus_connection_clients (tenant_id, connection_id, client_id, position, enabled)
       select n.tenant_id, n.id, 'client-' || ((n.k + s) % 50), s, (n.k + s) % 3 <> 0
       from n cross join generate_series(0, 2) s`,
    );

    // --- Apps -----------------------------------------------------------------------------
    await q(
      `insert into apps (id, tenant_id, name, public, image_url, schema_id, schema, schema_metadata, server, created_at, updated_at, deleted_at)
       select gen_random_uuid(), t, 'App ' || a, a % 3 = 0, 'https://img.example.com/app-' || a || '.png', 'schema-' || a,
              jsonb_build_object('type', 'object', 'properties', jsonb_build_object('region', jsonb_build_object('type', 'string'))),
              jsonb_build_object('version', a), jsonb_build_object('url', 'https://api' || a || '.example.com'),
              ${ts('a')}, ${ts('a')}, case when a = 19 then ${ts('100000')} end
       from unnest($1::text[]) t cross join generate_series(0, 19) a`,
      [tenantIds],
    );
    await q(
      `insert into app_auth_configs (id, tenant_id, app_id, position, type, is_valid, data, created_at)
       select gen_random_uuid(), a.tenant_id, a.id, s,
              case s when 0 then 'apikey' else 'oauth2' end, not (s = 1 and a.name like '%7'),
              case s when 0 then '{"headerName":"X-API-Key"}'::jsonb else '{"clientId":"bench-client"}'::jsonb end,
              a.created_at
       from apps a cross join generate_series(0, 1) s`,
    );
    await q(
      `insert into boards (id, tenant_id, name, created_at)
       select gen_random_uuid(), t, 'Board ' || b, ${ts('b')}
       from unnest($1::text[]) t cross join generate_series(0, 99) b`,
      [tenantIds],
    );
    {
      const n = tenantCount * perTenant;
      const ids = Array.from({ length: n }, () => randomUUID());
      const tenants = ids.map((_, i) => tenantIds[Math.floor(i / perTenant)]);
      const sealed = ids.map((id, i) =>
        box.seal(`app-key-${i}-${id.slice(0, 8)}`, {
          tenantId: tenants[i],
          resourceType: 'OrgConnection',
          resourceId: id,
          field: 'apiKey',
        }),
      );
      await q(
        `with a as (select id, tenant_id, row_number() over (partition by tenant_id order by created_at) - 1 as k from apps),
              c as (select id, tenant_id, app_id from app_auth_configs where type = 'apikey'),
              v as (select id, tenant, enc, (row_number() over (partition by tenant order by ord)) - 1 as g
                    from unnest($1::uuid[], $2::text[], $3::text[]) with ordinality as x(id, tenant, enc, ord))
         insert into org_connections (id, tenant_id, app_id, auth_config_id, name, credential_id, api_key_enc, created_at, updated_at)
         select v.id, v.tenant, a.id, c.id, 'Org connection ' || v.g, gen_random_uuid(), v.enc, ${ts('v.g')}, ${ts('v.g')}
         from v join a on a.tenant_id = v.tenant and a.k = v.g % 20
                join c on c.tenant_id = a.tenant_id and c.app_id = a.id`,
        [ids, tenants, sealed],
      );
    }
    // Two boards per org connection: k mod 100 and (7k + 3) mod 100, never the same one
    // (7k + 3 ≡ k mod 100 has no solution).
    await q(
      `with o as (select id, tenant_id, row_number() over (partition by tenant_id order by created_at, id) - 1 as k from org_connections),
            b as (select id, tenant_id, row_number() over (partition by tenant_id order by created_at, id) - 1 as k from boards)
       insert into board_connections (tenant_id, board_id, connection_id)
       select o.tenant_id, b.id, o.id
       from o cross join generate_series(0, 1) s
       join b on b.tenant_id = o.tenant_id and b.k = case s when 0 then o.k % 100 else (o.k * 7 + 3) % 100 end`,
    );

    // --- Databases ------------------------------------------------------------------------
    {
      const n = tenantCount * perTenant;
      const ids = Array.from({ length: n }, () => randomUUID());
      const tenants = ids.map((_, i) => tenantIds[Math.floor(i / perTenant)]);
      const sealed = ids.map((id, i) =>
        box.seal(`pw-${i}-${id.slice(0, 8)}`, {
          tenantId: tenants[i],
          resourceType: 'DatabaseConnection',
          resourceId: id,
          field: 'password',
        }),
      );
      await q(
        `with v as (select id, tenant, enc, (row_number() over (partition by tenant order by ord)) - 1 as g
                    from unnest($1::uuid[], $2::text[], $3::text[]) with ordinality as x(id, tenant, enc, ord))
         insert into database_connections (id, tenant_id, name, type, host, port, database_name, username, password_enc,
                                           schema, ssl, metadata, product_name, created_at, updated_at)
         select v.id, v.tenant, 'db-connection-' || v.g,
                (array['ORACLE','SQL_SERVER','POSTGRESQL','MONGODB','MYSQL'])[v.g % 5 + 1],
                'db' || v.g || '.bench.example.com', 1024 + v.g, 'app_' || (v.g % 50), 'svc_' || (v.g % 30), v.enc,
                case when v.g % 2 = 0 then 'public' end,
                case when v.g % 3 = 0 then '{"enabled":true,"mode":"VERIFY_FULL"}'::jsonb end,
                jsonb_build_object('env', case when v.g % 2 = 0 then 'prod' else 'staging' end, 'team', 'team-' || (v.g % 12)),
                case when v.g % 4 = 0 then 'Product ' || (v.g % 8) end,
                ${ts('v.g')}, ${ts('v.g')}
         from v`,
        [ids, tenants, sealed],
      );
    }
    await q(
      `with d as (select id, tenant_id, row_number() over (partition by tenant_id order by created_at, id) - 1 as k from database_connections)
       insert into database_jobs (id, tenant_id, connection_id, status, created_at, updated_at)
       select gen_random_uuid(), d.tenant_id, d.id, (array['SUCCEEDED','FAILED','CANCELLED'])[d.k % 3 + 1], ${ts('d.k')}, ${ts('d.k')} from d
       union all
       select gen_random_uuid(), d.tenant_id, d.id, case when d.k % 40 = 0 then 'RUNNING' else 'QUEUED' end, ${ts('d.k + 1')}, ${ts('d.k + 1')}
       from d where d.k % 20 = 0`,
    );

    // --- Connectors -----------------------------------------------------------------------
    await q(
      `insert into connectors (id, tenant_id, name, protocol, created_at, updated_at)
       select gen_random_uuid(), t, 'Connector ' || c, case when c % 4 = 0 then 'grpc' else 'http' end, ${ts('c')}, ${ts('c')}
       from unnest($1::text[]) t cross join generate_series(0, 19) c`,
      [tenantIds],
    );
    await q(
      `insert into auth_scheme_configs (id, tenant_id, connector_id, scheme_type, description, config, created_at)
       select gen_random_uuid(), c.tenant_id, c.id, st, st || ' option ' || (alt + 1),
              case when alt = 0 then '{"default":true}'::jsonb else '{}'::jsonb end, c.created_at
       from connectors c cross join unnest(array['oauth2','apikey']) st cross join generate_series(0, 1) alt`,
    );
    {
      const n = tenantCount * perTenant;
      const ids = Array.from({ length: n }, () => randomUUID());
      const tenants = ids.map((_, i) => tenantIds[Math.floor(i / perTenant)]);
      const sealed = ids.map((id, i) =>
        box.seal(JSON.stringify({ token: `tok-${i}-${id.slice(0, 8)}` }), {
          tenantId: tenants[i],
          resourceType: 'Credential',
          resourceId: id,
          field: 'data',
        }),
      );
      // Types alternate oauth2/apikey; 1 in 10 carries errors, 1 in 17 has expired, 1 in 13
      // expires within days (a validation warning), the rest expire in a year or never.
      await q(
        `with v as (select id, tenant, enc, (row_number() over (partition by tenant order by ord)) - 1 as g
                    from unnest($1::uuid[], $2::text[], $3::text[]) with ordinality as x(id, tenant, enc, ord))
         insert into credentials (id, tenant_id, type, name, data_enc, errors, expires_at, created_at)
         select v.id, v.tenant, case when v.g % 2 = 0 then 'oauth2' else 'apikey' end, 'Credential ' || v.g, v.enc,
                case when v.g % 10 = 0 then array['token refresh failed', 'HTTP 401 from provider'] else '{}'::text[] end,
                case when v.g % 17 = 0 then now() - interval '3 days'
                     when v.g % 13 = 0 then now() + interval '3 days'
                     when v.g % 3 = 0 then now() + interval '365 days' end,
                ${ts('v.g')}
         from v`,
        [ids, tenants, sealed],
      );
    }
    await q(
      `with c as (select id, tenant_id, row_number() over (partition by tenant_id order by created_at) - 1 as k from connectors)
       insert into connector_connections (id, tenant_id, connector_id, name, created_at, updated_at)
       select gen_random_uuid(), c.tenant_id, c.id, 'Connection ' || g, ${ts('g')}, ${ts('g')}
       from generate_series(0, $2::int - 1) g join c on c.k = g % 20
       where c.tenant_id = any($1::text[])`,
      base,
    );
    // Slots: action 0 → credential k, action 1 → credential k+1, trigger 0 → credential k+2
    // (so every credential is used by 3 connections); each slot on the connector's first config
    // of the credential's type, except 1 in 50 action-0 slots put on the other type (an error).
    await q(
      `with cc as materialized (
              select id, tenant_id, connector_id, row_number() over (partition by tenant_id order by created_at, id) - 1 as k
              from connector_connections),
            cr as materialized (
              select id, tenant_id, type, row_number() over (partition by tenant_id order by created_at, id) - 1 as k
              from credentials),
            cfg as materialized (
              select id, tenant_id, connector_id, scheme_type from auth_scheme_configs where description like '% option 1'),
            slot as (select * from (values ('action', 0, 0), ('action', 1, 1), ('trigger', 0, 2)) as s(kind, position, offs)),
            pick as materialized (
              select cc.tenant_id, cc.id as connection_id, cc.connector_id, cc.k, slot.kind, slot.position, cr.id as credential_id,
                     case when slot.offs = 0 and cc.k % 50 = 0
                          then (case cr.type when 'oauth2' then 'apikey' else 'oauth2' end) else cr.type end as scheme_type
              from cc cross join slot
              join cr on cr.tenant_id = cc.tenant_id and cr.k = (cc.k + slot.offs) % $1::int)
       insert into connection_credentials (id, tenant_id, connection_id, kind, position, credential_id, auth_scheme_config_id, created_at)
       select gen_random_uuid(), p.tenant_id, p.connection_id, p.kind, p.position, p.credential_id, cfg.id, ${ts('p.k')}
       from pick p join cfg on cfg.tenant_id = p.tenant_id and cfg.connector_id = p.connector_id and cfg.scheme_type = p.scheme_type`,
      [perTenant],
    );
    await q(
      `insert into connection_variables (tenant_id, connection_id, position, name, value)
       select c.tenant_id, c.id, s, (array['region','timeout'])[s + 1], (array['eu-west-1','30s'])[s + 1]
       from connector_connections c cross join generate_series(0, 1) s`,
    );
    await q('commit');
  } catch (error) {
    await q('rollback').catch(() => {});
    await client.end();
    throw error;
  }

  try {
    await q('vacuum analyze');
    const counts: Record<string, number> = {};
    for (const table of [
      'oes_connections',
      'nexus_connections',
      'nexus_connection_clients',
      'org_connections',
      'board_connections',
      'database_connections',
      'database_jobs',
      'connector_connections',
      'connection_credentials',
      'credentials',
      'connection_variables',
    ]) {
      counts[table] = Number((await q(`select count(*)::int as n from ${table}`)).rows[0].n);
    }

    const tenants: TenantFixture[] = [];
    for (const [i, tenantId] of tenantIds.entries()) {
      const oes = await q(
        `select id from oes_connections where tenant_id = $1 order by created_at, id`,
        [tenantId],
      );
      const dbs = await q(
        `select c.id from database_connections c
         where c.tenant_id = $1
           and not exists (select 1 from database_jobs j where j.tenant_id = c.tenant_id and j.connection_id = c.id
                           and j.status in ('QUEUED','RUNNING'))
         order by c.created_at, c.id`,
        [tenantId],
      );
      tenants.push({
        id: tenantId,
        apiKey: keys[i],
        oesIds: oes.rows.map((r) => r.id as string),
        databaseIds: dbs.rows.map((r) => r.id as string),
      });
    }
    // The first two rows of the first tenant are kept out of the load for the statement capture.
    const first = tenants[0];
    const probe = {
      tenantId: first.id,
      oes: [first.oesIds[0], first.oesIds[1]] as [string, string],
      database: [first.databaseIds[0], first.databaseIds[1]] as [string, string],
    };
    first.oesIds = first.oesIds.slice(2);
    first.databaseIds = first.databaseIds.slice(2);
    const seedMs = Math.round(performance.now() - started);
    for (const line of slow) log(`  slow seed statement ${line}`);
    log(
      `seeded in ${seedMs} ms: ${Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    return { tenants, probe, counts, seedMs };
  } finally {
    await client.end();
  }
}
