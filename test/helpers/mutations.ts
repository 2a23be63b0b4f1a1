import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { REPLACE_ORG, appsWorld, secretValue } from './apps.js';
import { UPDATE_CONNECTOR_CONNECTION, addConnections, connectorWorld } from './connectors.js';
import { PATCH_DB, addJob, dbWorld } from './databases.js';
import { getHarness, gql, newApiKey } from './harness.js';
import { SET_CLIENT_ENABLED, nexusWorld } from './nexus.js';
import { UPDATE_OES, oesWorld } from './oes.js';

/**
 * The five mutations as data, for tests that hold for every one of them (dry runs,
 * idempotent retries): each helper document also takes `$validateOnly` and
 * `$idempotencyKey`, and its success selects `changedFields` and `validateOnly`.
 */

/** Adds the arguments every mutation takes to one of the helpers' documents. */
export function withMutationOptions(document: string): string {
  return document
    .replace(/\$input: (\w+)!/, '$input: $1!, $validateOnly: Boolean, $idempotencyKey: String')
    .replace(
      /input: \$input(\s*)\)/,
      'input: $input, validateOnly: $validateOnly, idempotencyKey: $idempotencyKey$1)',
    )
    .replace(/\.\.\. on (\w+Success) \{/, '... on $1 { changedFields validateOnly');
}

export interface MutationWorld {
  tenantId: string;
  connectionId: string;
  /** A key allowed to make the change. */
  token: string;
  /** The mutation's own arguments for a change of several fields. */
  change: Record<string, unknown>;
  /** The same change with other values (for "same key, other arguments"). */
  otherChange: Record<string, unknown>;
  changedFields: string[];
  /** Asserts that a connection (from a response) shows the change at `version`. */
  expectChanged(connection: Record<string, any>, version: number): void;
  /** Arguments that fail, each with the union member and details it fails with. */
  failures: Promise<{ label: string; args: Record<string, unknown>; token?: string }[]>;
}

export interface MutationCase {
  field: string;
  success: string;
  document: string;
  world(): Promise<MutationWorld>;
}

const ID = () => randomUUID();

export const MUTATION_CASES: MutationCase[] = [
  {
    field: 'updateOesConnection',
    success: 'UpdateOesConnectionSuccess',
    document: withMutationOptions(UPDATE_OES),
    async world() {
      const w = await oesWorld();
      const args = (input: Record<string, unknown>, connectionId = w.connectionId) => ({
        enterpriseId: w.tenantId,
        connectionId,
        input,
      });
      const unlicensed = await oesWorld({ licensed: false });
      return {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        token: w.admin,
        change: args({ name: 'Renamed venue', active: false }),
        otherChange: args({ name: 'Another name', active: false }),
        changedFields: ['name', 'active'],
        expectChanged: (c, version) =>
          expect(c).toMatchObject({ name: 'Renamed venue', active: false, version }),
        failures: Promise.resolve([
          { label: 'InvalidInput', args: args({ name: '  ' }) },
          { label: 'Authentication', args: args({ name: 'x' }), token: 'cgw_nope' },
          { label: 'PermissionDenied', args: args({ name: 'x' }), token: w.viewer },
          {
            label: 'LicenceRequired',
            args: {
              enterpriseId: unlicensed.tenantId,
              connectionId: unlicensed.connectionId,
              input: { name: 'x' },
            },
            token: unlicensed.admin,
          },
          { label: 'NotFound', args: args({ name: 'x' }, ID()) },
          { label: 'VersionMismatch', args: args({ name: 'x', expectedVersion: 7 }) },
        ]),
      };
    },
  },
  {
    field: 'setConnectionClientEnabled',
    success: 'SetConnectionClientEnabledSuccess',
    document: withMutationOptions(SET_CLIENT_ENABLED),
    async world() {
      const w = await nexusWorld();
      const args = (input: Record<string, unknown>, connectionId = w.connectionId) => ({
        tenantId: w.tenantId,
        connectionId,
        input,
      });
      return {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        token: w.admin,
        change: args({ clientId: 'batch', enabled: true }),
        otherChange: args({ clientId: 'web', enabled: false }),
        changedFields: ['clients'],
        expectChanged: (c, version) => {
          expect(c.version).toBe(version);
          expect(c.clients.map((e: any) => [e.client.id, e.enabled])).toEqual([
            ['mobile', true],
            ['web', true],
            ['batch', true],
          ]);
        },
        failures: Promise.resolve([
          { label: 'InvalidInput', args: args({ clientId: null, enabled: true }) },
          { label: 'Authentication', args: args({ clientId: 'batch', enabled: true }), token: '' },
          {
            label: 'PermissionDenied',
            args: args({ clientId: 'batch', enabled: true }),
            token: w.connectionWriter,
          },
          { label: 'NotFound', args: args({ clientId: 'batch', enabled: true }, ID()) },
          {
            label: 'VersionMismatch',
            args: args({ clientId: 'batch', enabled: true, expectedVersion: 3 }),
          },
        ]),
      };
    },
  },
  {
    field: 'replaceOrgConnection',
    success: 'ReplaceOrgConnectionSuccess',
    document: withMutationOptions(REPLACE_ORG),
    async world() {
      const w = await appsWorld();
      const deleted = await appsWorld({ appDeleted: true });
      const args = (input: Record<string, unknown>, connectionId = w.connectionId) => ({
        organisationId: w.tenantId,
        connectionId,
        input,
      });
      const key = secretValue('replaced-api-key');
      return {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        token: w.admin,
        change: args({ name: 'Ledgerly renamed', data: { apiKey: key } }),
        otherChange: args({ name: 'Ledgerly renamed', data: { apiKey: `${key}-other` } }),
        changedFields: ['name', 'apiKey'],
        expectChanged: (c, version) =>
          expect(c).toMatchObject({ name: 'Ledgerly renamed', hasApiKey: true, version }),
        failures: Promise.resolve([
          { label: 'InvalidInput', args: args({ name: '', data: { apiKey: 'k' } }) },
          { label: 'Authentication', args: args({ name: 'x', data: { apiKey: 'k' } }), token: '' },
          {
            label: 'PermissionDenied',
            args: args({ name: 'x', data: { apiKey: 'k' } }),
            token: w.viewer,
          },
          { label: 'NotFound', args: args({ name: 'x', data: { apiKey: 'k' } }, ID()) },
          {
            label: 'VersionMismatch',
            args: args({ name: 'x', data: { apiKey: 'k' }, expectedVersion: 9 }),
          },
          {
            label: 'UnsupportedAuthType',
            args: args({ name: 'x', data: { apiKey: 'k' } }, w.crmConnectionId),
          },
          {
            label: 'AppDeleted',
            args: {
              organisationId: deleted.tenantId,
              connectionId: deleted.connectionId,
              input: { name: 'x', data: { apiKey: 'k' } },
            },
            token: deleted.admin,
          },
        ]),
      };
    },
  },
  {
    field: 'patchDatabaseConnection',
    success: 'PatchDatabaseConnectionSuccess',
    document: withMutationOptions(PATCH_DB),
    async world() {
      const w = await dbWorld({ names: ['primary', 'secondary'] });
      const busy = await dbWorld();
      await addJob(busy.tenantId, busy.connectionId, 'RUNNING');
      const args = (input: Record<string, unknown>, connectionId = w.connectionId) => ({
        connectionId,
        input,
      });
      return {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        token: w.admin,
        change: args({
          name: 'renamed',
          port: 6543,
          password: secretValue('pw'),
          metadata: { team: 'data', environment: 'prod' },
        }),
        otherChange: args({ name: 'renamed', port: 6544 }),
        changedFields: ['name', 'port', 'password', 'metadata'],
        expectChanged: (c, version) =>
          expect(c).toMatchObject({
            name: 'renamed',
            port: 6543,
            hasPassword: true,
            metadata: { team: 'data', environment: 'prod' },
            version,
          }),
        failures: Promise.resolve([
          { label: 'InvalidInput', args: args({ port: 70000, name: 'x' }) },
          { label: 'Authentication', args: args({ port: 1 }), token: '' },
          { label: 'PermissionDenied', args: args({ port: 1 }), token: w.viewer },
          { label: 'NotFound', args: args({ port: 1 }, ID()) },
          { label: 'VersionMismatch', args: args({ port: 1, expectedVersion: 4 }) },
          { label: 'NameTaken', args: args({ name: 'SECONDARY' }) },
          {
            label: 'ActiveJobs',
            args: { connectionId: busy.connectionId, input: { port: 1 } },
            token: busy.admin,
          },
        ]),
      };
    },
  },
  {
    field: 'updateConnectorConnection',
    success: 'UpdateConnectorConnectionSuccess',
    document: withMutationOptions(UPDATE_CONNECTOR_CONNECTION),
    async world() {
      const w = await connectorWorld();
      const [other] = await addConnections(w, 1);
      const args = (input: Record<string, unknown>, connectionId = w.connectionId) => ({
        organisationId: w.tenantId,
        connectorId: w.connectorId,
        connectionId,
        input,
      });
      const credentials = {
        action: [
          { id: w.actionIds[1], authSchemeConfigId: w.schemeConfigs['oauth2'][0] },
          { id: w.actionIds[0], authSchemeConfigId: w.schemeConfigs['api-key'][1] },
        ],
        trigger: [{ id: w.triggerIds[0], authSchemeConfigId: w.schemeConfigs['hmac'][0] }],
      };
      const otherConnectionName = await connectionName(w.tenantId, other.connectionId);
      return {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        token: w.admin,
        change: args({
          name: 'Renamed store',
          credentials,
          variables: [{ name: 'region', value: 'eu' }],
        }),
        otherChange: args({ name: 'Another store name' }),
        changedFields: ['name', 'credentials', 'variables'],
        expectChanged: (c, version) => {
          expect(c).toMatchObject({ name: 'Renamed store', version });
          expect(c.credentials.action.map((s: any) => [s.id, s.authSchemeConfig.id])).toEqual([
            [w.actionIds[1], w.schemeConfigs['oauth2'][0]],
            [w.actionIds[0], w.schemeConfigs['api-key'][1]],
          ]);
          expect(c.variables).toEqual([{ name: 'region', value: 'eu' }]);
        },
        failures: Promise.resolve([
          { label: 'InvalidInput', args: args({ name: '' }) },
          { label: 'Authentication', args: args({ name: 'x' }), token: '' },
          { label: 'PermissionDenied', args: args({ name: 'x' }), token: w.viewer },
          { label: 'NotFound', args: args({ name: 'x' }, ID()) },
          { label: 'VersionMismatch', args: args({ name: 'x', expectedVersion: 2 }) },
          { label: 'NameTaken', args: args({ name: otherConnectionName }) },
          {
            label: 'CredentialsMismatch',
            args: args({ name: 'x', credentials: { ...credentials, trigger: [] } }),
          },
        ]),
      };
    },
  },
];

async function connectionName(tenantId: string, connectionId: string): Promise<string> {
  const { database } = await getHarness();
  const row = await database.db
    .selectFrom('connector_connections')
    .select('name')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', connectionId)
    .executeTakeFirstOrThrow();
  return row.name;
}

/** Runs one case's mutation; asserts no top-level error; returns the union member. */
export async function runCase(
  c: MutationCase,
  args: Record<string, unknown>,
  token: string | undefined,
  options: { validateOnly?: boolean; idempotencyKey?: string } = {},
): Promise<Record<string, any>> {
  const r = await gql(c.document, { ...args, ...options }, token || undefined);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data![c.field];
}

/** A second key of the case's tenant with the same permissions (another principal). */
export const anotherPrincipal = (tenantId: string) =>
  newApiKey(tenantId, ['connections:read', 'connections:write', 'client.write.all']);
