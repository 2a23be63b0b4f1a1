import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';

/**
 * docs/contract.md's names and shapes are fixed: every operation, argument, input field and object
 * field it lists must exist in schema.graphql with the type it gives. This document asks for
 * all of them; if anything was renamed or dropped it no longer validates.
 */
const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

const SPEC_DOCUMENT = /* GraphQL */ `
  fragment Errors on Error {
    message
    code
  }
  fragment AllErrors on Error {
    ...Errors
    ... on InvalidInputError {
      fieldErrors {
        path
        message
        code
      }
    }
    ... on PermissionDeniedError {
      requiredPermissions
    }
    ... on NotFoundError {
      resourceType
      resourceId
    }
    ... on ConflictError {
      reason
      activeJobIds
      currentVersion
    }
  }
  fragment Slot on ConnectionCredential {
    id
    authSchemeConfig {
      id
      schemeType
      description
      validationMessages {
        text
        severity
        detail
      }
    }
    credential {
      id
      type
      name
      errors
      expiresAt
      usages {
        connection {
          id
          name
          connector {
            id
            name
          }
        }
      }
    }
  }
  mutation Mutations(
    $oes: UpdateOesConnectionInput!
    $nexus: SetConnectionClientEnabledInput!
    $org: ReplaceOrgConnectionInput!
    $db: PatchDatabaseConnectionInput!
    $conn: UpdateConnectorConnectionInput!
  ) {
    a: updateOesConnection(enterpriseId: "e", connectionId: "c", input: $oes) {
      ... on UpdateOesConnectionSuccess {
        connection {
          id
          version
          createdAt
          updatedAt
          enterpriseId
          name
          active
          partner {
            id
            name
          }
        }
      }
      ...AllErrors
    }
    b: setConnectionClientEnabled(tenantId: "t", connectionId: "c", input: $nexus) {
      ... on SetConnectionClientEnabledSuccess {
        connection {
          id
          version
          createdAt
          updatedAt
          tenantId
          name
          clients {
            client {
              id
              name
            }
            enabled
          }
        }
        client {
          id
          name
        }
        enabled
      }
      ...AllErrors
    }
    c: replaceOrgConnection(organisationId: "o", connectionId: "c", input: $org) {
      ... on ReplaceOrgConnectionSuccess {
        connection {
          id
          version
          createdAt
          updatedAt
          orgId
          name
          credentialId
          app {
            supportedAuthConfigs {
              type
              isValid
            }
            deletedAt
          }
          authConfig {
            type
            isValid
          }
          usedByBoards {
            id
            name
          }
        }
      }
      ...AllErrors
    }
    d: patchDatabaseConnection(connectionId: "c", input: $db) {
      ... on PatchDatabaseConnectionSuccess {
        connection {
          id
          version
          createdAt
          updatedAt
          name
          type
          host
          port
          databaseName
          username
          hasPassword
          schema
          ssl {
            hasClientKey
          }
          metadata
          productName
          activeJobs {
            id
            status
          }
        }
      }
      ...AllErrors
    }
    e: updateConnectorConnection(
      organisationId: "o"
      connectorId: "k"
      connectionId: "c"
      input: $conn
    ) {
      ... on UpdateConnectorConnectionSuccess {
        connection {
          id
          version
          createdAt
          updatedAt
          name
          connector {
            id
            name
            protocol
          }
          credentials {
            action {
              ...Slot
            }
            trigger {
              ...Slot
            }
          }
          variables {
            name
            value
          }
        }
      }
      ...AllErrors
    }
  }
  query Queries($first: Int, $after: String) {
    viewer {
      id
    }
    a: oesConnections(enterpriseId: "e", first: $first, after: $after) {
      items {
        id
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
    b: oesConnection(enterpriseId: "e", connectionId: "c") {
      id
    }
    c: nexusConnections(tenantId: "t", first: $first, after: $after) {
      items {
        id
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
    d: nexusConnection(tenantId: "t", connectionId: "c") {
      id
    }
    e: orgConnections(organisationId: "o", first: $first, after: $after) {
      items {
        id
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
    f: orgConnection(organisationId: "o", connectionId: "c") {
      id
    }
    g: databaseConnections(tenantId: "t", first: $first, after: $after) {
      items {
        id
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
    h: databaseConnection(connectionId: "c") {
      id
    }
    i: connectorConnections(organisationId: "o", connectorId: "k", first: $first, after: $after) {
      items {
        id
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
    j: connectorConnection(organisationId: "o", connectorId: "k", connectionId: "c") {
      id
    }
    k: auditEvents(resourceId: "r", first: $first, after: $after) {
      items {
        id
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`;

describe("docs/contract.md's GraphQL surface", () => {
  it('every name and shape docs/contract.md fixes is in schema.graphql', () => {
    expect(validate(schema, parse(SPEC_DOCUMENT)).map((e) => e.message)).toEqual([]);
  });

  it('inputs carry exactly the fields docs/contract.md lists (plus additions), with its types', () => {
    const inputFields = (name: string) => {
      const type = schema.getType(name) as import('graphql').GraphQLInputObjectType;
      return Object.fromEntries(
        Object.values(type.getFields()).map((f) => [f.name, String(f.type)]),
      );
    };
    expect(inputFields('UpdateOesConnectionInput')).toMatchObject({
      active: 'Boolean',
      name: 'String',
      expectedVersion: 'Int',
    });
    expect(inputFields('SetConnectionClientEnabledInput')).toMatchObject({
      clientId: 'ID',
      enabled: 'Boolean!',
    });
    expect(inputFields('ReplaceOrgConnectionInput')).toMatchObject({
      name: 'String!',
      data: 'ApiKeyConnectionDataInput!',
      expectedVersion: 'Int',
    });
    expect(inputFields('ApiKeyConnectionDataInput')).toMatchObject({ apiKey: 'String!' });
    expect(inputFields('PatchDatabaseConnectionInput')).toMatchObject({
      name: 'String',
      type: 'DatabaseEngine',
      host: 'String',
      port: 'Int',
      databaseName: 'String',
      username: 'String',
      password: 'String',
      schema: 'String',
      ssl: 'DatabaseSslInput',
      metadata: 'JSONObject',
      expectedVersion: 'Int',
    });
    expect(inputFields('UpdateConnectorConnectionInput')).toMatchObject({
      id: 'ID',
      name: 'String!',
      credentials: 'ConnectionCredentialsInput',
      variables: '[ConnectionVariableInput!]',
      expectedVersion: 'Int',
    });
    expect(inputFields('ConnectionCredentialsInput')).toMatchObject({
      action: '[ConnectionCredentialInput!]!',
      trigger: '[ConnectionCredentialInput!]!',
    });
    expect(inputFields('ConnectionCredentialInput')).toMatchObject({
      id: 'ID!',
      authSchemeConfigId: 'ID!',
    });
    expect(inputFields('ConnectionVariableInput')).toMatchObject({
      name: 'String!',
      value: 'String!',
    });
  });

  it('each result union is its success type and the five error types', () => {
    for (const name of [
      'UpdateOesConnection',
      'SetConnectionClientEnabled',
      'ReplaceOrgConnection',
      'PatchDatabaseConnection',
      'UpdateConnectorConnection',
    ]) {
      const union = schema.getType(`${name}Result`) as import('graphql').GraphQLUnionType;
      expect(
        union
          .getTypes()
          .map((t) => t.name)
          .sort(),
      ).toEqual(
        [
          `${name}Success`,
          'AuthenticationError',
          'ConflictError',
          'InvalidInputError',
          'NotFoundError',
          'PermissionDeniedError',
        ].sort(),
      );
    }
    const reasons = (schema.getType('ConflictReason') as import('graphql').GraphQLEnumType)
      .getValues()
      .map((v) => v.name);
    expect(reasons).toEqual(
      expect.arrayContaining(['ACTIVE_JOBS', 'VERSION_MISMATCH', 'NAME_TAKEN', 'APP_DELETED']),
    );
  });
});
