import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  connectorSnapshot,
  connectorWorld,
  CONNECTION_FIELDS,
  markCredentialData,
  SECRET_MARK,
  sharedCredentialWorlds,
  SLOT_FRAGMENT,
  UPDATE_CONNECTOR_CONNECTION,
  type ConnectorWorld,
} from '../helpers/connectors.js';
import { expectTypename, getHarness, gql, newApiKey, newTenant } from '../helpers/harness.js';

const update = (vars: Record<string, unknown>, token?: string) =>
  gql(UPDATE_CONNECTOR_CONNECTION, vars, token).then((r) => {
    expect(r.errors).toBeUndefined();
    return r.data!.updateConnectorConnection;
  });

/** The variables of an update of the world's connection. */
const on = (w: ConnectorWorld, input: Record<string, unknown>) => ({
  organisationId: w.tenantId,
  connectorId: w.connectorId,
  connectionId: w.connectionId,
  input,
});

/** The world's current credential lists as input (slot id + config), in their current order. */
const currentLists = (w: ConnectorWorld) => ({
  action: [
    { id: w.actionIds[0], authSchemeConfigId: w.schemeConfigs['api-key'][0] },
    { id: w.actionIds[1], authSchemeConfigId: w.schemeConfigs.oauth2[0] },
  ],
  trigger: [{ id: w.triggerIds[0], authSchemeConfigId: w.schemeConfigs.hmac[0] }],
});

const slotSummary = (slot: any) => ({
  id: slot.id,
  config: slot.authSchemeConfig.id,
  credential: slot.credential.name,
});

describe('updateConnectorConnection: success', () => {
  it('renames, reorders, switches a config and replaces variables: one version, one audit event', async () => {
    const w = await connectorWorld();
    const lists = currentLists(w);
    const input = {
      id: w.connectionId,
      name: 'Renamed',
      credentials: {
        action: [
          lists.action[1],
          { id: w.actionIds[0], authSchemeConfigId: w.schemeConfigs['api-key'][1] },
        ],
        trigger: lists.trigger,
      },
      variables: [
        { name: 'region', value: 'eu' },
        { name: 'shopDomain', value: 'new.example.com' },
      ],
      expectedVersion: 1,
    };
    const result = await update(on(w, input), w.admin);
    const { connection } = expectTypename(result, 'UpdateConnectorConnectionSuccess');
    expect(connection).toMatchObject({
      id: w.connectionId,
      organisationId: w.tenantId,
      name: 'Renamed',
      version: 2,
      connector: {
        id: w.connectorId,
        organisationId: w.tenantId,
        name: 'Shopify',
        protocol: 'http',
      },
      variables: input.variables,
    });
    expect(connection.credentials.action.map(slotSummary)).toEqual([
      { id: w.actionIds[1], config: w.schemeConfigs.oauth2[0], credential: 'OAuth app' },
      { id: w.actionIds[0], config: w.schemeConfigs['api-key'][1], credential: 'Admin token' },
    ]);
    expect(connection.credentials.action[1].authSchemeConfig).toEqual({
      id: w.schemeConfigs['api-key'][1],
      schemeType: 'api-key',
      description: 'api-key option 2',
      validationMessages: [],
    });
    expect(connection.credentials.trigger.map(slotSummary)).toEqual([
      { id: w.triggerIds[0], config: w.schemeConfigs.hmac[0], credential: 'Webhook secret' },
    ]);
    expect(connection.credentials.action[0].credential.usages).toEqual([
      {
        connection: expect.objectContaining({
          id: w.connectionId,
          name: 'Renamed',
          version: 2,
          connector: { id: w.connectorId, name: 'Shopify', protocol: 'http' },
        }),
      },
    ]);

    const snap = await connectorSnapshot(w.tenantId, w.connectionId);
    expect(snap.row).toMatchObject({ name: 'Renamed', version: 2 });
    expect(snap.slots.map((s) => [s.kind, s.position, s.id, s.auth_scheme_config_id])).toEqual([
      ['action', 0, w.actionIds[1], w.schemeConfigs.oauth2[0]],
      ['action', 1, w.actionIds[0], w.schemeConfigs['api-key'][1]],
      ['trigger', 0, w.triggerIds[0], w.schemeConfigs.hmac[0]],
    ]);
    expect(snap.variables.map((v) => [v.position, v.name, v.value])).toEqual([
      [0, 'region', 'eu'],
      [1, 'shopDomain', 'new.example.com'],
    ]);
    expect(snap.events).toHaveLength(1);
    expect(snap.events[0]).toMatchObject({
      tenant_id: w.tenantId,
      resource_type: 'ConnectorConnection',
      resource_id: w.connectionId,
      operation: 'updateConnectorConnection',
      changed_fields: ['name', 'credentials', 'variables'],
      from_version: 1,
      to_version: 2,
      actor_kind: 'api_key',
    });
  });

  it('persists the new order: a later read returns it', async () => {
    const w = await connectorWorld();
    const lists = currentLists(w);
    const result = await update(
      on(w, {
        name: 'Main store',
        credentials: { ...lists, action: [lists.action[1], lists.action[0]] },
      }),
      w.admin,
    );
    expectTypename(result, 'UpdateConnectorConnectionSuccess');
    const read = await gql(
      `query($o: ID!, $c: ID!, $id: ID!) { connectorConnection(organisationId: $o, connectorId: $c, connectionId: $id) {
        version credentials { action { id } trigger { id } } } }`,
      { o: w.tenantId, c: w.connectorId, id: w.connectionId },
      w.viewer,
    );
    expect(read.data!.connectorConnection).toEqual({
      version: 2,
      credentials: {
        action: [{ id: w.actionIds[1] }, { id: w.actionIds[0] }],
        trigger: [{ id: w.triggerIds[0] }],
      },
    });
    const { events } = await connectorSnapshot(w.tenantId, w.connectionId);
    expect(events.map((e) => e.changed_fields)).toEqual([['credentials']]);
  });

  it('switching only a config is a credentials change that keeps the slot ids', async () => {
    const w = await connectorWorld();
    const lists = currentLists(w);
    const trigger = [{ id: w.triggerIds[0], authSchemeConfigId: w.schemeConfigs.hmac[1] }];
    const result = await update(
      on(w, { name: 'Main store', credentials: { ...lists, trigger } }),
      w.admin,
    );
    const { connection } = expectTypename(result, 'UpdateConnectorConnectionSuccess');
    expect(connection.credentials.trigger.map(slotSummary)).toEqual([
      { id: w.triggerIds[0], config: w.schemeConfigs.hmac[1], credential: 'Webhook secret' },
    ]);
    const snap = await connectorSnapshot(w.tenantId, w.connectionId);
    expect(snap.slots.map((s) => s.id).sort()).toEqual([...w.actionIds, ...w.triggerIds].sort());
    expect(snap.events.map((e) => e.changed_fields)).toEqual([['credentials']]);
  });

  it('variables: absent keeps them, [] deletes them all', async () => {
    const w = await connectorWorld();
    const renamed = await update(on(w, { name: 'Only renamed' }), w.admin);
    expect(
      expectTypename(renamed, 'UpdateConnectorConnectionSuccess').connection.variables,
    ).toEqual([
      { name: 'shopDomain', value: 'shop.example.com' },
      { name: 'currency', value: 'EUR' },
    ]);
    const cleared = await update(on(w, { name: 'Only renamed', variables: [] }), w.admin);
    const { connection } = expectTypename(cleared, 'UpdateConnectorConnectionSuccess');
    expect(connection).toMatchObject({ version: 3, variables: [] });
    const snap = await connectorSnapshot(w.tenantId, w.connectionId);
    expect(snap.variables).toEqual([]);
    expect(snap.events.map((e) => e.changed_fields)).toEqual([['name'], ['variables']]);
    const again = await update(on(w, { name: 'Only renamed', variables: [] }), w.admin);
    expect(expectTypename(again, 'UpdateConnectorConnectionSuccess').connection.version).toBe(3);
  });

  it('reordering the same variables is a change; the order is kept', async () => {
    const w = await connectorWorld();
    const variables = [
      { name: 'currency', value: 'EUR' },
      { name: 'shopDomain', value: 'shop.example.com' },
    ];
    const result = await update(on(w, { name: 'Main store', variables }), w.admin);
    expect(expectTypename(result, 'UpdateConnectorConnectionSuccess').connection).toMatchObject({
      version: 2,
      variables,
    });
  });

  it('a change that changes nothing succeeds without a new version or audit event', async () => {
    const w = await connectorWorld();
    const before = await connectorSnapshot(w.tenantId, w.connectionId);
    const input = {
      id: w.connectionId.toUpperCase(),
      name: '  Main store ',
      credentials: currentLists(w),
      variables: [
        { name: 'shopDomain', value: 'shop.example.com' },
        { name: 'currency', value: 'EUR' },
      ],
      expectedVersion: 1,
    };
    const result = await update(on(w, input), w.admin);
    expect(expectTypename(result, 'UpdateConnectorConnectionSuccess').connection).toMatchObject({
      name: 'Main store',
      version: 1,
    });
    expect(await connectorSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('accepts ids in upper case, and a name that differs only in case is a rename', async () => {
    const w = await connectorWorld();
    const result = await update(
      {
        organisationId: w.tenantId,
        connectorId: w.connectorId.toUpperCase(),
        connectionId: w.connectionId.toUpperCase(),
        input: { name: 'MAIN STORE' },
      },
      w.admin,
    );
    expect(expectTypename(result, 'UpdateConnectorConnectionSuccess').connection).toMatchObject({
      id: w.connectionId,
      name: 'MAIN STORE',
      version: 2,
    });
  });

  it('two updates in one request: each answer shows its own result', async () => {
    const w = await connectorWorld();
    const r = await gql(
      `mutation($o: ID!, $c: ID!, $id: ID!, $a: UpdateConnectorConnectionInput!, $b: UpdateConnectorConnectionInput!) {
        first: updateConnectorConnection(organisationId: $o, connectorId: $c, connectionId: $id, input: $a) {
          ... on UpdateConnectorConnectionSuccess { connection { ${CONNECTION_FIELDS} } } }
        second: updateConnectorConnection(organisationId: $o, connectorId: $c, connectionId: $id, input: $b) {
          ... on UpdateConnectorConnectionSuccess { connection { ${CONNECTION_FIELDS} } } }
      } ${SLOT_FRAGMENT}`,
      {
        o: w.tenantId,
        c: w.connectorId,
        id: w.connectionId,
        a: { name: 'One', variables: [{ name: 'a', value: '1' }] },
        b: {
          name: 'Two',
          variables: [{ name: 'b', value: '2' }],
          credentials: {
            ...currentLists(w),
            action: [currentLists(w).action[1], currentLists(w).action[0]],
          },
        },
      },
      w.admin,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.first.connection).toMatchObject({
      name: 'One',
      version: 2,
      variables: [{ name: 'a', value: '1' }],
    });
    expect(r.data!.first.connection.credentials.action.map((s: any) => s.id)).toEqual(w.actionIds);
    expect(r.data!.second.connection).toMatchObject({
      name: 'Two',
      version: 3,
      variables: [{ name: 'b', value: '2' }],
    });
    expect(r.data!.second.connection.credentials.action.map((s: any) => s.id)).toEqual([
      w.actionIds[1],
      w.actionIds[0],
    ]);
    expect(
      r.data!.second.connection.credentials.action[0].credential.usages[0].connection.name,
    ).toBe('Two');
  });
});

describe('updateConnectorConnection: connectors in the answers', () => {
  it("a dry run's would-be connection shows its connector among a later answer's usages", async () => {
    const { w, second } = await sharedCredentialWorlds();
    const r = await gql(
      `mutation($o: ID!, $c: ID!, $id: ID!, $c2: ID!, $id2: ID!) {
        dry: updateConnectorConnection(organisationId: $o, connectorId: $c, connectionId: $id,
          input: { name: "Would be" }, validateOnly: true) {
          ... on UpdateConnectorConnectionSuccess { connection { name } } }
        real: updateConnectorConnection(organisationId: $o, connectorId: $c2, connectionId: $id2,
          input: { name: "Renamed" }) {
          ... on UpdateConnectorConnectionSuccess { connection {
            connector { name }
            credentials { trigger { credential { usages { connection { name connector { name } } } } } }
          } } }
      }`,
      {
        o: w.tenantId,
        c: w.connectorId,
        id: w.connectionId,
        c2: second.connectorId,
        id2: second.connectionId,
      },
      w.admin,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.dry.connection).toEqual({ name: 'Would be' });
    const answer = r.data!.real.connection;
    expect(answer.connector).toEqual({ name: 'Second' });
    // The shared credential sits in the trigger list's second slot.
    expect(answer.credentials.trigger[1].credential.usages).toEqual([
      { connection: { name: 'Would be', connector: { name: 'Shopify' } } },
      { connection: { name: 'Renamed', connector: { name: 'Second' } } },
    ]);
  });
});

describe('updateConnectorConnection: InvalidInputError from the input alone', () => {
  it('reports every field error of the request together, with paths', async () => {
    const w = await connectorWorld();
    const result = await update(
      {
        organisationId: 'Not A Tenant!',
        connectorId: 'nope',
        connectionId: 'not-a-uuid',
        input: {
          id: randomUUID(),
          name: '   ',
          credentials: {
            action: [
              { id: 'x', authSchemeConfigId: 'y' },
              { id: w.actionIds[0], authSchemeConfigId: w.schemeConfigs['api-key'][0] },
              { id: w.actionIds[0], authSchemeConfigId: w.schemeConfigs['api-key'][0] },
            ],
            trigger: [{ id: w.triggerIds[0], authSchemeConfigId: 'z' }],
          },
          variables: [
            { name: 'ok', value: 'x'.repeat(10_001) },
            { name: '1bad', value: '' },
            { name: 'ok', value: '' },
          ],
          expectedVersion: 0,
        },
      },
      w.admin,
    );
    const error = expectTypename(result, 'InvalidInputError');
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.fieldErrors.map((e: any) => [e.path.join('.'), e.code])).toEqual([
      ['organisationId', 'INVALID_ID'],
      ['connectorId', 'INVALID_UUID'],
      ['connectionId', 'INVALID_UUID'],
      ['input.id', 'ID_MISMATCH'],
      ['input.name', 'BLANK'],
      ['input.credentials.action.0.id', 'INVALID_UUID'],
      ['input.credentials.action.0.authSchemeConfigId', 'INVALID_UUID'],
      ['input.credentials.action', 'DUPLICATE'],
      ['input.credentials.trigger.0.authSchemeConfigId', 'INVALID_UUID'],
      ['input.variables.0.value', 'TOO_LONG'],
      ['input.variables.1.name', 'INVALID_NAME'],
      ['input.variables.2.name', 'DUPLICATE'],
      ['input.expectedVersion', 'OUT_OF_RANGE'],
    ]);
  });

  it('input.id of another connection: ID_MISMATCH, nothing written', async () => {
    const w = await connectorWorld();
    const before = await connectorSnapshot(w.tenantId, w.connectionId);
    const result = await update(on(w, { id: randomUUID(), name: 'Changed' }), w.admin);
    expect(expectTypename(result, 'InvalidInputError').fieldErrors).toEqual([
      { path: ['input', 'id'], code: 'ID_MISMATCH', message: 'must equal connectionId when given' },
    ]);
    expect(await connectorSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('name: null is a GraphQL error (String!); credentials: null and variables: null are NOT_NULLABLE', async () => {
    const w = await connectorWorld();
    const nullName = await gql(UPDATE_CONNECTOR_CONNECTION, on(w, { name: null }), w.admin);
    expect(nullName.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(nullName.data ?? null).toBeNull();
    const nulls = await update(on(w, { name: 'x', credentials: null, variables: null }), w.admin);
    expect(expectTypename(nulls, 'InvalidInputError').fieldErrors).toEqual([
      { path: ['input', 'credentials'], code: 'NOT_NULLABLE', message: 'cannot be null' },
      { path: ['input', 'variables'], code: 'NOT_NULLABLE', message: 'cannot be null' },
    ]);
  });

  it('bounds the name: 200 characters pass, 201 and control characters do not', async () => {
    const w = await connectorWorld();
    expectTypename(
      await update(on(w, { name: 'x'.repeat(200) }), w.admin),
      'UpdateConnectorConnectionSuccess',
    );
    const long = await update(on(w, { name: 'x'.repeat(201) }), w.admin);
    expect(expectTypename(long, 'InvalidInputError').fieldErrors).toEqual([
      expect.objectContaining({ path: ['input', 'name'], code: 'TOO_LONG' }),
    ]);
    const control = await update(on(w, { name: 'a\u0007b' }), w.admin);
    expect(expectTypename(control, 'InvalidInputError').fieldErrors).toEqual([
      expect.objectContaining({ path: ['input', 'name'], code: 'INVALID_CHARACTERS' }),
    ]);
  });

  it('variable values up to 10,000 characters pass', async () => {
    const w = await connectorWorld();
    const result = await update(
      on(w, { name: 'x', variables: [{ name: 'big', value: 'v'.repeat(10_000) }] }),
      w.admin,
    );
    expect(
      expectTypename(result, 'UpdateConnectorConnectionSuccess').connection.variables[0].value,
    ).toHaveLength(10_000);
  });
});

describe('updateConnectorConnection: credential rules (checked against the data)', () => {
  it('a slot of the other kind: both lists are a mismatch; nothing written', async () => {
    const w = await connectorWorld();
    const before = await connectorSnapshot(w.tenantId, w.connectionId);
    const lists = currentLists(w);
    const result = await update(
      on(w, {
        name: 'x',
        credentials: { action: [...lists.action, lists.trigger[0]], trigger: [] },
      }),
      w.admin,
    );
    expect(expectTypename(result, 'InvalidInputError').fieldErrors).toEqual([
      {
        path: ['input', 'credentials', 'action'],
        code: 'CREDENTIALS_MISMATCH',
        message: "must list exactly the connection's current action credentials, each once",
      },
      {
        path: ['input', 'credentials', 'trigger'],
        code: 'CREDENTIALS_MISMATCH',
        message: "must list exactly the connection's current trigger credentials, each once",
      },
    ]);
    expect(await connectorSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it("a missing slot, a credential's own id instead of the slot id: mismatch", async () => {
    const w = await connectorWorld();
    const lists = currentLists(w);
    for (const action of [
      [lists.action[0]],
      [lists.action[0], { ...lists.action[1], id: w.credentialIds['OAuth app'] }],
    ]) {
      const result = await update(on(w, { name: 'x', credentials: { ...lists, action } }), w.admin);
      expect(expectTypename(result, 'InvalidInputError').fieldErrors).toEqual([
        expect.objectContaining({
          path: ['input', 'credentials', 'action'],
          code: 'CREDENTIALS_MISMATCH',
        }),
      ]);
    }
  });

  it("another connection's slot (same connector), another tenant's and a random id are all the same mismatch", async () => {
    const w = await connectorWorld();
    const { database } = await getHarness();
    const sibling = randomUUID();
    const siblingSlot = randomUUID();
    await database.db
      .insertInto('connector_connections')
      .values({ id: sibling, tenant_id: w.tenantId, connector_id: w.connectorId, name: 'Sibling' })
      .execute();
    await database.db
      .insertInto('connection_credentials')
      .values({
        id: siblingSlot,
        tenant_id: w.tenantId,
        connection_id: sibling,
        kind: 'action',
        position: 0,
        credential_id: w.credentialIds['Admin token'],
        auth_scheme_config_id: w.schemeConfigs['api-key'][0],
      })
      .execute();
    const other = await connectorWorld();
    const before = await connectorSnapshot(w.tenantId, w.connectionId);
    const lists = currentLists(w);
    const answers = [];
    for (const id of [siblingSlot, other.actionIds[1], randomUUID()]) {
      const action = [
        lists.action[0],
        { id, authSchemeConfigId: lists.action[1].authSchemeConfigId },
      ];
      answers.push(await update(on(w, { name: 'x', credentials: { ...lists, action } }), w.admin));
    }
    expect(expectTypename(answers[0], 'InvalidInputError').fieldErrors).toEqual([
      expect.objectContaining({
        path: ['input', 'credentials', 'action'],
        code: 'CREDENTIALS_MISMATCH',
      }),
    ]);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(await connectorSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it("a config of another scheme type: SCHEME_TYPE_CHANGED at the item's authSchemeConfigId", async () => {
    const w = await connectorWorld();
    const before = await connectorSnapshot(w.tenantId, w.connectionId);
    const lists = currentLists(w);
    const action = [
      lists.action[1],
      { id: w.actionIds[0], authSchemeConfigId: w.schemeConfigs.oauth2[1] },
    ];
    const result = await update(on(w, { name: 'x', credentials: { ...lists, action } }), w.admin);
    expect(expectTypename(result, 'InvalidInputError').fieldErrors).toEqual([
      {
        path: ['input', 'credentials', 'action', '1', 'authSchemeConfigId'],
        code: 'SCHEME_TYPE_CHANGED',
        message: "must be a config of scheme type api-key, the credential's current scheme type",
      },
    ]);
    expect(await connectorSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it("another connector's config, another tenant's and a random id: the same UNKNOWN_AUTH_SCHEME_CONFIG", async () => {
    const w = await connectorWorld();
    const sameTenant = await connectorWorld({
      tenantId: w.tenantId,
      connectorName: 'Other connector',
    });
    const other = await connectorWorld();
    const before = await connectorSnapshot(w.tenantId, w.connectionId);
    const lists = currentLists(w);
    const answers = [];
    for (const configId of [
      sameTenant.schemeConfigs.hmac[0],
      other.schemeConfigs.hmac[0],
      randomUUID(),
    ]) {
      const trigger = [{ id: w.triggerIds[0], authSchemeConfigId: configId }];
      answers.push(await update(on(w, { name: 'x', credentials: { ...lists, trigger } }), w.admin));
    }
    expect(expectTypename(answers[0], 'InvalidInputError').fieldErrors).toEqual([
      {
        path: ['input', 'credentials', 'trigger', '0', 'authSchemeConfigId'],
        code: 'UNKNOWN_AUTH_SCHEME_CONFIG',
        message: 'is not an auth scheme config of this connector',
      },
    ]);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(await connectorSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('reports all credential rule violations together', async () => {
    const w = await connectorWorld();
    const lists = currentLists(w);
    const result = await update(
      on(w, {
        name: 'x',
        credentials: {
          action: [
            { id: w.actionIds[0], authSchemeConfigId: w.schemeConfigs.hmac[0] },
            { id: randomUUID(), authSchemeConfigId: randomUUID() },
          ],
          trigger: lists.trigger,
        },
      }),
      w.admin,
    );
    expect(
      expectTypename(result, 'InvalidInputError').fieldErrors.map((e: any) => [
        e.path.join('.'),
        e.code,
      ]),
    ).toEqual([
      ['input.credentials.action', 'CREDENTIALS_MISMATCH'],
      ['input.credentials.action.0.authSchemeConfigId', 'SCHEME_TYPE_CHANGED'],
      ['input.credentials.action.1.authSchemeConfigId', 'UNKNOWN_AUTH_SCHEME_CONFIG'],
    ]);
  });

  it('credential rule violations come before NAME_TAKEN', async () => {
    const w = await connectorWorld();
    const { database } = await getHarness();
    await database.db
      .insertInto('connector_connections')
      .values({
        id: randomUUID(),
        tenant_id: w.tenantId,
        connector_id: w.connectorId,
        name: 'Taken',
      })
      .execute();
    const lists = currentLists(w);
    const result = await update(
      on(w, { name: 'Taken', credentials: { ...lists, trigger: [] } }),
      w.admin,
    );
    expectTypename(result, 'InvalidInputError');
    const taken = await update(on(w, { name: 'Taken', credentials: lists }), w.admin);
    expect(expectTypename(taken, 'ConflictError').reason).toBe('NAME_TAKEN');
  });
});

describe('updateConnectorConnection: NotFoundError', () => {
  it("a connector that is missing or another tenant's: NotFound Connector, reported alike", async () => {
    const w = await connectorWorld();
    const other = await connectorWorld();
    const foreign = await update(
      {
        organisationId: w.tenantId,
        connectorId: other.connectorId,
        connectionId: other.connectionId,
        input: { name: 'x' },
      },
      w.admin,
    );
    const missing = await update(
      {
        organisationId: w.tenantId,
        connectorId: randomUUID(),
        connectionId: w.connectionId,
        input: { name: 'x' },
      },
      w.admin,
    );
    expect(expectTypename(foreign, 'NotFoundError')).toMatchObject({
      code: 'NOT_FOUND',
      resourceType: 'Connector',
      resourceId: other.connectorId,
    });
    expect(expectTypename(missing, 'NotFoundError').resourceType).toBe('Connector');
    expect({ ...foreign, resourceId: 'x' }).toEqual({ ...missing, resourceId: 'x' });
    expect((await connectorSnapshot(other.tenantId, other.connectionId)).row).toMatchObject({
      name: 'Main store',
      version: 1,
    });
  });

  it("a connection that is missing, another tenant's or another connector's: NotFound ConnectorConnection", async () => {
    const w = await connectorWorld();
    const sibling = await connectorWorld({ tenantId: w.tenantId, connectorName: 'Second' });
    const other = await connectorWorld();
    const answers = [];
    for (const connectionId of [randomUUID(), other.connectionId, sibling.connectionId]) {
      answers.push(
        await update(
          {
            organisationId: w.tenantId,
            connectorId: w.connectorId,
            connectionId,
            input: { name: 'x' },
          },
          w.admin,
        ),
      );
    }
    expect(expectTypename(answers[0], 'NotFoundError')).toMatchObject({
      resourceType: 'ConnectorConnection',
    });
    expect(answers[1]).toEqual({ ...answers[0], resourceId: other.connectionId });
    expect(answers[2]).toEqual({ ...answers[0], resourceId: sibling.connectionId });
    expect((await connectorSnapshot(w.tenantId, sibling.connectionId)).row).toMatchObject({
      name: 'Main store',
      version: 1,
    });
  });
});

describe('updateConnectorConnection: access', () => {
  it('no token or an unknown key: AuthenticationError', async () => {
    const w = await connectorWorld();
    for (const token of [undefined, 'cgw_unknown_key']) {
      const result = await update(on(w, { name: 'x' }), token);
      expect(expectTypename(result, 'AuthenticationError').code).toBe('UNAUTHENTICATED');
    }
    expect((await connectorSnapshot(w.tenantId, w.connectionId)).row!.version).toBe(1);
  });

  it('a caller who is not a member of the organisation: AuthenticationError', async () => {
    const w = await connectorWorld();
    const other = await connectorWorld();
    expectTypename(await update(on(w, { name: 'x' }), other.admin), 'AuthenticationError');
  });

  it('a member without connections:write: PermissionDeniedError', async () => {
    const w = await connectorWorld();
    const before = await connectorSnapshot(w.tenantId, w.connectionId);
    const result = await update(on(w, { name: 'x' }), w.viewer);
    expect(expectTypename(result, 'PermissionDeniedError')).toMatchObject({
      code: 'PERMISSION_DENIED',
      requiredPermissions: ['connections:write'],
    });
    const writer = await newApiKey(w.tenantId, ['connections:write']);
    expectTypename(await update(on(w, { name: 'x' }), writer), 'UpdateConnectorConnectionSuccess');
    expect(before.row!.name).toBe('Main store');
  });
});

describe('updateConnectorConnection: versions and names', () => {
  it('a stale expectedVersion: VERSION_MISMATCH with the current version, nothing written', async () => {
    const w = await connectorWorld();
    await update(on(w, { name: 'v2' }), w.admin);
    const before = await connectorSnapshot(w.tenantId, w.connectionId);
    const result = await update(on(w, { name: 'v3', expectedVersion: 1 }), w.admin);
    expect(expectTypename(result, 'ConflictError')).toMatchObject({
      code: 'CONFLICT',
      reason: 'VERSION_MISMATCH',
      currentVersion: 2,
      activeJobIds: [],
    });
    expect(await connectorSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('a name another connection of the connector has: NAME_TAKEN, nothing written', async () => {
    const w = await connectorWorld();
    const { database } = await getHarness();
    await database.db
      .insertInto('connector_connections')
      .values({
        id: randomUUID(),
        tenant_id: w.tenantId,
        connector_id: w.connectorId,
        name: 'Taken',
      })
      .execute();
    const before = await connectorSnapshot(w.tenantId, w.connectionId);
    const result = await update(on(w, { name: ' Taken ', variables: [] }), w.admin);
    expect(expectTypename(result, 'ConflictError')).toMatchObject({
      reason: 'NAME_TAKEN',
      currentVersion: null,
    });
    expect(await connectorSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('names are unique per connector, compared exactly', async () => {
    const w = await connectorWorld();
    const second = await connectorWorld({
      tenantId: w.tenantId,
      connectorName: 'Second',
      connectionName: 'Elsewhere',
    });
    const sameNameOtherConnector = await update(on(w, { name: 'Elsewhere' }), w.admin);
    expect(
      expectTypename(sameNameOtherConnector, 'UpdateConnectorConnectionSuccess').connection.name,
    ).toBe('Elsewhere');
    const { database } = await getHarness();
    await database.db
      .insertInto('connector_connections')
      .values({
        id: randomUUID(),
        tenant_id: w.tenantId,
        connector_id: w.connectorId,
        name: 'Taken',
      })
      .execute();
    const otherCase = await update(on(w, { name: 'taken' }), w.admin);
    expect(expectTypename(otherCase, 'UpdateConnectorConnectionSuccess').connection.name).toBe(
      'taken',
    );
    expect((await connectorSnapshot(w.tenantId, second.connectionId)).row!.name).toBe('Elsewhere');
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'two concurrent renames to one name: one succeeds, the other gets NAME_TAKEN',
    async () => {
      const w = await connectorWorld();
      const { database } = await getHarness();
      const second = randomUUID();
      await database.db
        .insertInto('connector_connections')
        .values({ id: second, tenant_id: w.tenantId, connector_id: w.connectorId, name: 'Second' })
        .execute();
      // Hold both connection rows so the two renames wait at their row locks and are
      // released at the same instant: without the name lock both would pass the name check
      // and the later write would hit the unique constraint.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      const blocker = database.db.transaction().execute(async (trx) => {
        await trx
          .selectFrom('connector_connections')
          .select('id')
          .where('tenant_id', '=', w.tenantId)
          .where('id', 'in', [w.connectionId, second])
          .forUpdate()
          .execute();
        holding();
        await released;
      });
      await held;
      const renames = Promise.all([
        update(on(w, { name: 'Same' }), w.admin),
        update({ ...on(w, { name: 'Same' }), connectionId: second }, w.admin),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      await blocker;
      const results = await renames;
      const typenames = results.map((r: any) => r.__typename).sort();
      expect(typenames).toEqual(['ConflictError', 'UpdateConnectorConnectionSuccess']);
      expect(results.find((r: any) => r.__typename === 'ConflictError')).toMatchObject({
        reason: 'NAME_TAKEN',
      });
      const named = await database.db
        .selectFrom('connector_connections')
        .select('id')
        .where('tenant_id', '=', w.tenantId)
        .where('name', '=', 'Same')
        .execute();
      expect(named).toHaveLength(1);
    },
  );
});

describe('updateConnectorConnection: the order of checks', () => {
  const bad = { name: '' };
  const good = { name: 'Fine' };

  it('credentials before input', async () => {
    const result = await update({
      organisationId: '!!',
      connectorId: 'x',
      connectionId: 'y',
      input: bad,
    });
    expectTypename(result, 'AuthenticationError');
  });

  it('input before membership', async () => {
    const w = await connectorWorld();
    const other = await connectorWorld();
    expectTypename(await update(on(w, bad), other.admin), 'InvalidInputError');
  });

  it('membership before permission', async () => {
    const w = await connectorWorld();
    const other = await connectorWorld();
    expectTypename(await update(on(w, good), other.viewer), 'AuthenticationError');
  });

  it('permission before existence', async () => {
    const w = await connectorWorld();
    const result = await update({ ...on(w, good), connectorId: randomUUID() }, w.viewer);
    expectTypename(result, 'PermissionDeniedError');
  });

  it('existence (connector, then connection) before version', async () => {
    const w = await connectorWorld();
    const noConnector = await update(
      { ...on(w, { ...good, expectedVersion: 9 }), connectorId: randomUUID() },
      w.admin,
    );
    expect(expectTypename(noConnector, 'NotFoundError').resourceType).toBe('Connector');
    const noConnection = await update(
      { ...on(w, { ...good, expectedVersion: 9 }), connectionId: randomUUID() },
      w.admin,
    );
    expect(expectTypename(noConnection, 'NotFoundError').resourceType).toBe('ConnectorConnection');
  });

  it('version before the credential rules', async () => {
    const w = await connectorWorld();
    const result = await update(
      on(w, { ...good, expectedVersion: 2, credentials: { ...currentLists(w), trigger: [] } }),
      w.admin,
    );
    expect(expectTypename(result, 'ConflictError').reason).toBe('VERSION_MISMATCH');
  });

  it('an organisation that does not exist is answered like one the caller is not a member of', async () => {
    const tenantId = await newTenant();
    const key = await newApiKey(tenantId, ['connections:write']);
    const result = await update(
      {
        organisationId: 'no-such-tenant',
        connectorId: randomUUID(),
        connectionId: randomUUID(),
        input: good,
      },
      key,
    );
    expectTypename(result, 'AuthenticationError');
  });
});

describe('updateConnectorConnection: secrets and validation messages', () => {
  it('credential data never appears in a response or an audit event, and no field asks for it', async () => {
    const w = await connectorWorld();
    await markCredentialData(w);
    const lists = currentLists(w);
    const result = await gql(
      UPDATE_CONNECTOR_CONNECTION,
      on(w, {
        name: 'Secretive',
        credentials: { ...lists, action: [lists.action[1], lists.action[0]] },
      }),
      w.admin,
    );
    expectTypename(result.data!.updateConnectorConnection, 'UpdateConnectorConnectionSuccess');
    const snap = await connectorSnapshot(w.tenantId, w.connectionId);
    const text = JSON.stringify(result);
    expect(text).not.toContain(SECRET_MARK);
    for (const credential of snap.credentials) {
      expect(credential.data_enc).toBeTruthy();
      expect(text).not.toContain(credential.data_enc);
    }
    expect(
      result.data!.updateConnectorConnection.connection.credentials.action[0].credential.hasData,
    ).toBe(true);
    expect(JSON.stringify(snap.events)).not.toContain(SECRET_MARK);

    const asked = await gql(
      `query($o: ID!, $c: ID!, $id: ID!) { connectorConnection(organisationId: $o, connectorId: $c, connectionId: $id) {
        credentials { action { credential { data } } } } }`,
      { o: w.tenantId, c: w.connectorId, id: w.connectionId },
      w.viewer,
    );
    expect(asked.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(asked)).not.toContain(SECRET_MARK);
  });

  it('validationMessages are computed per slot by the server', async () => {
    const w = await connectorWorld();
    const { database } = await getHarness();
    const db = database.db;
    const set = (
      name: string,
      values: { type?: string; errors?: string[]; expires_at?: Date | null },
    ) =>
      db
        .updateTable('credentials')
        .set(values)
        .where('tenant_id', '=', w.tenantId)
        .where('id', '=', w.credentialIds[name])
        .execute();
    const soon = new Date(Date.now() + 2 * 24 * 60 * 60 * 1000);
    await set('Admin token', {
      expires_at: new Date(Date.now() - 1000),
      errors: ['revoked upstream'],
    });
    await set('OAuth app', { expires_at: soon });
    await set('Webhook secret', { type: 'api-key' });
    const result = await update(on(w, { name: 'Checked' }), w.admin);
    const { credentials } = expectTypename(result, 'UpdateConnectorConnectionSuccess').connection;
    const messages = (slot: any) =>
      slot.authSchemeConfig.validationMessages.map((m: any) => [
        m.severity,
        m.text,
        m.detail.length,
      ]);
    expect(messages(credentials.action[0])).toEqual([
      ['ERROR', 'credential has expired', 1],
      ['WARNING', 'credential has errors', 1],
    ]);
    expect(credentials.action[0].authSchemeConfig.validationMessages[1].detail).toEqual([
      'revoked upstream',
    ]);
    expect(credentials.action[0].credential.errors).toEqual(['revoked upstream']);
    expect(messages(credentials.action[1])).toEqual([
      ['WARNING', 'credential expires within 7 days', 1],
    ]);
    expect(new Date(credentials.action[1].credential.expiresAt).toISOString()).toBe(
      soon.toISOString(),
    );
    expect(credentials.trigger[0].authSchemeConfig.validationMessages).toEqual([
      {
        text: 'credential type does not match the scheme',
        severity: 'ERROR',
        detail: ['credential type: api-key', 'scheme type: hmac'],
      },
    ]);
  });
});
