import { GraphQLDateTime } from '../shared/date-time.js';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { pageType } from '../shared/pagination.js';

@ObjectType('Membership', {
  simpleResolvers: true,
  description: 'What the caller may do in one tenant.',
})
export class MembershipType {
  @Field(() => ID)
  tenantId!: string;

  @Field(() => [String])
  permissions!: string[];
}

@ObjectType('Viewer', {
  simpleResolvers: true,
  description: 'The authenticated caller.',
})
export class ViewerType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: '"api_key" or "jwt".' })
  kind!: string;

  @Field(() => [MembershipType])
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

  @Field(() => Boolean, { description: 'true for a secret field: its values are never recorded.' })
  secret!: boolean;
}

@ObjectType('AuditEvent', {
  simpleResolvers: true,
  description: 'One change to one resource. Never holds secret values.',
})
export class AuditEventType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field(() => String, { description: 'The principal that made the change.' })
  actorId!: string;

  @Field(() => String)
  actorKind!: string;

  @Field(() => String)
  resourceType!: string;

  @Field(() => ID)
  resourceId!: string;

  @Field(() => String)
  operation!: string;

  @Field(() => [String], { description: 'Names of the changed fields.' })
  changedFields!: string[];

  @Field(() => [FieldChangeType], {
    description:
      'Each changed field with its old and new value (secrets: only that they changed). Empty for events recorded before changes were recorded.',
  })
  changes!: FieldChangeType[];

  @Field(() => Int)
  fromVersion!: number;

  @Field(() => Int)
  toVersion!: number;

  @Field(() => String)
  requestId!: string;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const AuditEventPage = pageType(AuditEventType, 'AuditEventPage');
