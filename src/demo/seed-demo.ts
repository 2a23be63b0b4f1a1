import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { noTenants, tenantExists } from '../../db/queries/demo.js';
import type { SecretBox } from '../crypto/secret-box.js';
import {
  createApp,
  createConnectorWithConnection,
  createDatabaseConnection,
  createDatabaseJob,
  createNexusClient,
  createNexusConnection,
  createOesConnection,
  createOesPartner,
  createOrgConnection,
  createPrincipalWithKey,
  createTenant,
  stableId,
} from './builders.js';

/** The demo API keys of SPEC.md: they exist only in demo data. */
export const DEMO_KEYS = [
  {
    key: 'cgw_demo_acme_admin',
    tenant: 'acme',
    permissions: ['connections:read', 'connections:write', 'client.write.all'],
  },
  { key: 'cgw_demo_acme_viewer', tenant: 'acme', permissions: ['connections:read'] },
  {
    key: 'cgw_demo_acme_clientowner',
    tenant: 'acme',
    permissions: ['connections:read', 'client.write'],
  },
  {
    key: 'cgw_demo_globex_admin',
    tenant: 'globex',
    permissions: ['connections:read', 'connections:write', 'client.write', 'client.write.all'],
  },
] as const;

/** True when the demo tenants are already there. */
export async function hasDemoData(db: Kysely<Database>): Promise<boolean> {
  return tenantExists(db, 'acme');
}

/** True when the database holds no tenant at all (then `npm start` loads the demo). */
export async function isEmpty(db: Kysely<Database>): Promise<boolean> {
  return noTenants(db);
}

/**
 * Loads the demo data of SPEC.md in one transaction: tenants `acme` (OES licence), `globex`
 * and `initech`, the demo keys, and for acme and globex every service's objects. Ids are
 * stable (derived from names), so the README's examples work on every machine.
 */
export async function seedDemo(db: Kysely<Database>, secrets: SecretBox): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await createTenant(trx, { id: 'acme', name: 'Acme Corporation', entitlements: ['oes'] });
    await createTenant(trx, { id: 'globex', name: 'Globex' });
    await createTenant(trx, { id: 'initech', name: 'Initech' });
    for (const k of DEMO_KEYS) {
      const principalId = `demo-${k.key.replace('cgw_demo_', '').replace(/_/g, '-')}`;
      await createPrincipalWithKey(trx, {
        principalId,
        key: k.key,
        keyId: stableId(`key/${k.key}`),
        memberships: [{ tenantId: k.tenant, permissions: [...k.permissions] }],
      });
    }
    for (const tenant of ['acme', 'globex']) await seedTenant(trx, secrets, tenant);
  });
}

async function seedTenant(db: Kysely<Database>, secrets: SecretBox, t: string): Promise<void> {
  const id = (name: string) => stableId(`demo/${t}/${name}`);

  // OES: two partners, an active and an inactive connection.
  const venueA = await createOesPartner(db, {
    tenantId: t,
    id: id('partner/a'),
    name: 'Northgate Venue',
  });
  const venueB = await createOesPartner(db, {
    tenantId: t,
    id: id('partner/b'),
    name: 'Southbank Venue',
  });
  await createOesConnection(db, {
    tenantId: t,
    id: id('oes/1'),
    partnerId: venueA,
    name: `${t} ↔ Northgate`,
  });
  await createOesConnection(db, {
    tenantId: t,
    id: id('oes/2'),
    partnerId: venueB,
    name: `${t} ↔ Southbank`,
    active: false,
  });

  // Nexus: three clients (acme-mobile owned by the client-owner key), one connection.
  const owner = t === 'acme' ? 'demo-acme-clientowner' : null;
  await createNexusClient(db, {
    tenantId: t,
    id: `${t}-mobile`,
    name: 'Mobile app',
    ownerPrincipalId: owner,
  });
  await createNexusClient(db, { tenantId: t, id: `${t}-web`, name: 'Web app' });
  await createNexusClient(db, { tenantId: t, id: `${t}-batch`, name: 'Nightly batch' });
  await createNexusConnection(db, {
    tenantId: t,
    id: id('nexus/1'),
    name: 'Primary gateway',
    clients: [
      { clientId: `${t}-mobile`, enabled: true },
      { clientId: `${t}-web`, enabled: true },
      { clientId: `${t}-batch`, enabled: false },
    ],
  });

  // Apps: one App that supports apikey, one that supports only OAuth 2.
  const ledger = await createApp(db, secrets, {
    tenantId: t,
    id: id('app/ledger'),
    name: 'Ledgerly',
    authConfigs: [
      { type: 'apikey', isValid: true, data: { in: 'header', name: 'X-API-Key' } },
      { type: 'oauth2', isValid: false, data: { clientId: 'ledgerly-demo' } },
    ],
  });
  const crm = await createApp(db, secrets, {
    tenantId: t,
    id: id('app/crm'),
    name: 'PipeCRM',
    authConfigs: [
      {
        type: 'oauth2',
        isValid: true,
        data: { clientId: 'pipecrm-demo', authorizeUrl: 'https://crm.example.com/oauth/authorize' },
        secretData: { clientSecret: `demo-client-secret-${t}` },
      },
    ],
  });
  await createOrgConnection(db, secrets, {
    tenantId: t,
    id: id('org/ledger'),
    appId: ledger.appId,
    authConfigId: ledger.authConfigIds[0],
    name: 'Ledgerly production',
    apiKey: `demo-ledgerly-key-${t}`,
    boards: ['Finance overview', 'Month-end close'],
  });
  await createOrgConnection(db, secrets, {
    tenantId: t,
    id: id('org/crm'),
    appId: crm.appId,
    authConfigId: crm.authConfigIds[0],
    name: 'PipeCRM sales',
    boards: ['Sales pipeline'],
  });

  // Databases: three connections, the first used by a RUNNING job.
  const warehouse = await createDatabaseConnection(db, secrets, {
    tenantId: t,
    id: id('db/warehouse'),
    name: 'warehouse',
    type: 'POSTGRESQL',
    host: 'warehouse.db.example.com',
    databaseName: 'warehouse',
    username: 'etl',
    password: `demo-password-${t}`,
    schema: 'analytics',
    ssl: { enabled: true, mode: 'VERIFY_FULL' },
    metadata: { environment: 'production', team: 'data-engineering' },
    productName: 'Insights',
  });
  const crmDb = await createDatabaseConnection(db, secrets, {
    tenantId: t,
    id: id('db/crm'),
    name: 'crm-replica',
    type: 'MYSQL',
    host: '10.20.0.15',
    port: 3306,
    databaseName: 'crm',
    username: 'reader',
  });
  await createDatabaseConnection(db, secrets, {
    tenantId: t,
    id: id('db/events'),
    name: 'event-store',
    type: 'MONGODB',
    host: 'events.db.example.com',
    port: 27017,
    databaseName: 'events',
    username: 'events',
  });
  await createDatabaseJob(db, {
    tenantId: t,
    id: id('job/running'),
    connectionId: warehouse,
    status: 'RUNNING',
  });
  await createDatabaseJob(db, {
    tenantId: t,
    id: id('job/done'),
    connectionId: crmDb,
    status: 'SUCCEEDED',
  });

  // Connectors: two action and one trigger credentials, two configs per scheme type.
  await createConnectorWithConnection(db, secrets, {
    tenantId: t,
    seed: `demo/${t}/connector`,
    connectorName: 'Shopify',
    connectionName: 'Shopify store',
    action: [
      { credential: 'Shopify admin token', schemeType: 'api-key' },
      { credential: 'Shopify OAuth', schemeType: 'oauth2' },
    ],
    trigger: [{ credential: 'Webhook signing secret', schemeType: 'hmac' }],
    variables: [
      { name: 'shopDomain', value: `${t}.myshopify.example.com` },
      { name: 'currency', value: 'EUR' },
    ],
  });
}
