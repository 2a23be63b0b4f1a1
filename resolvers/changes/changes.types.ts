import { createUnionType, Field, ObjectType } from 'type-graphql';
import type { ChangeRow } from '../../db/queries/changes.js';
import type { AuditEvent } from '../../src/services/audit/service.js';
import { OrgConnectionType } from '../apps/apps.types.js';
import { ConnectorConnectionType } from '../connectors/connectors.types.js';
import { DatabaseConnectionType } from '../databases/databases.types.js';
import { AuditEventType } from '../identity/identity.types.js';
import { NexusConnectionType } from '../nexus/nexus.types.js';
import { OesConnectionType } from '../oes/oes.types.js';

/** The GraphQL type name of each connection value the `connection` field returns. */
export const connectionKinds = new WeakMap<object, string>();

export const AnyConnection = createUnionType({
  name: 'AnyConnection',
  description: 'A connection of any of the five services.',
  types: () =>
    [
      OesConnectionType,
      NexusConnectionType,
      OrgConnectionType,
      DatabaseConnectionType,
      ConnectorConnectionType,
    ] as const,
  resolveType: (value) => connectionKinds.get(value),
});

@ObjectType('ConnectionChange', {
  simpleResolvers: true,
  description: 'One committed change of a connection, as delivered to `connectionChanges`.',
})
export class ConnectionChangeType {
  @Field(() => String, {
    description:
      'Give it as `after` to resume right after this change: every later change, none twice.',
  })
  cursor!: string;

  @Field(() => AuditEventType, { description: 'The audit event the change wrote.' })
  event!: AuditEvent;

  // `connection` is resolved by ConnectionChangeResolver.
  row!: ChangeRow;
}
