import { GraphQLDateTime } from '../shared/date-time.js';
import { Field, ID, Int, ObjectType } from 'type-graphql';
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

  @Field(() => [String], { description: 'Names of the changed fields (never their values).' })
  changedFields!: string[];

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
