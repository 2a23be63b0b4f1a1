import { GraphQLDateTime } from '../shared/date-time.js';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { pageType } from '../shared/pagination.js';

@ObjectType('Membership', {
  simpleResolvers: true,
  description: 'What the caller may do in one tenant.',
})
export class MembershipType {
  @Field(() => ID, {
    description:
      'The tenant: what the enterpriseId, tenantId and organisationId arguments name (one tenancy model under the names each service uses).',
  })
  tenantId!: string;

  @Field(() => [String], {
    description:
      'The permissions held in the tenant, sorted: any of connections:read, connections:write, client.write, client.write.all.',
  })
  permissions!: string[];
}

@ObjectType('Viewer', {
  simpleResolvers: true,
  description: 'The authenticated caller.',
})
export class ViewerType {
  @Field(() => ID, {
    description: "The principal's id: the API key's principal, or the JWT's `sub`.",
  })
  id!: string;

  @Field(() => String, { description: 'How the caller signed in: "api_key" or "jwt".' })
  kind!: string;

  @Field(() => [MembershipType], {
    description: 'The tenants the caller is a member of, with the permissions held in each.',
  })
  memberships!: MembershipType[];
}

/** The order of a list by creation time. */
export enum SortOrder {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortOrder, {
  name: 'SortOrder',
  description: 'The order of a list by creation time.',
  valuesConfig: {
    ASC: { description: 'Oldest first.' },
    DESC: { description: 'Newest first.' },
  },
});

@ObjectType('FieldChange', {
  simpleResolvers: true,
  description:
    'One field an audited change changed. A secret field (a password, a key) only says that it changed: from and to are null and secret is true.',
})
export class FieldChangeType {
  @Field(() => String, { description: 'The field, as the input names it (e.g. "name", "ssl").' })
  field!: string;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'The value before the change (null for a secret, or when it was unset).',
  })
  from!: unknown;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'The value after the change (null for a secret, or when it was cleared).',
  })
  to!: unknown;

  @Field(() => Boolean, { description: 'True for a secret field: its values are never recorded.' })
  secret!: boolean;
}

@ObjectType('AuditEvent', {
  simpleResolvers: true,
  description: 'One change to one resource. Never holds secret values.',
})
export class AuditEventType {
  @Field(() => ID, { description: "The event's id." })
  id!: string;

  @Field(() => ID, { description: 'The tenant that owns the changed resource.' })
  tenantId!: string;

  @Field(() => String, {
    description: 'The principal that made the change (Viewer.id of the caller).',
  })
  actorId!: string;

  @Field(() => String, { description: 'How the actor signed in: "api_key" or "jwt".' })
  actorKind!: string;

  @Field(() => String, {
    description:
      "The changed resource's type: OesConnection, NexusConnection, OrgConnection, DatabaseConnection or ConnectorConnection.",
  })
  resourceType!: string;

  @Field(() => ID, { description: "The changed resource's id." })
  resourceId!: string;

  @Field(() => String, {
    description: 'The mutation that made the change, e.g. updateOesConnection.',
  })
  operation!: string;

  @Field(() => [String], { description: 'Names of the changed fields.' })
  changedFields!: string[];

  @Field(() => [FieldChangeType], {
    description:
      'Each changed field with its old and new value (secrets: only that they changed). Empty for events recorded before changes were recorded.',
  })
  changes!: FieldChangeType[];

  @Field(() => Int, { description: "The resource's version before the change." })
  fromVersion!: number;

  @Field(() => Int, {
    description: "The resource's version after the change (fromVersion + 1).",
  })
  toVersion!: number;

  @Field(() => String, {
    description:
      "The id of the request that made the change: the x-request-id response header, and the requestId in the gateway's logs.",
  })
  requestId!: string;

  @Field(() => GraphQLDateTime, { description: 'When the change was made (UTC).' })
  createdAt!: Date;
}

export const AuditEventPage = pageType(AuditEventType, 'AuditEventPage');
