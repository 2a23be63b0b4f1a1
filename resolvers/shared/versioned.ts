import { GraphQLDateTime } from './date-time.js';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { CONNECTION_ID, CREATED_AT, EXPECTED_VERSION, UPDATED_AT } from './descriptions.js';

/**
 * The fields every connection type carries (SPEC: `id`, `version`, `createdAt`, `updatedAt`).
 * A base class only: type-graphql emits no type for it, since no field returns it.
 */
@ObjectType({ simpleResolvers: true })
export abstract class VersionedConnectionType {
  @Field(() => ID, { description: CONNECTION_ID })
  id!: string;

  @Field(() => Int, {
    description:
      "Starts at 1; +1 on every change that changes something (a call that changes nothing keeps it). Give it back as `expectedVersion` to refuse a save over somebody else's change.",
  })
  version!: number;

  @Field(() => GraphQLDateTime, { description: CREATED_AT })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { description: UPDATED_AT })
  updatedAt!: Date;
}

/** The optimistic-concurrency field every update input takes (a base class, never emitted). */
@InputType()
export abstract class VersionedInput {
  @Field(() => Int, {
    nullable: true,
    description: EXPECTED_VERSION,
  })
  expectedVersion?: number | null;
}
