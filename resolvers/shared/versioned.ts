import { GraphQLDateTime } from './date-time.js';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

/**
 * The fields every connection type carries (SPEC: `id`, `version`, `createdAt`, `updatedAt`).
 * A base class only: type-graphql emits no type for it, since no field returns it.
 */
@ObjectType({ simpleResolvers: true })
export abstract class VersionedConnectionType {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: 'Starts at 1; +1 on every change that changes something.' })
  version!: number;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

/** The optimistic-concurrency field every update input takes (a base class, never emitted). */
@InputType()
export abstract class VersionedInput {
  @Field(() => Int, {
    nullable: true,
    description: 'Refuse the change (VERSION_MISMATCH) unless this is the current version.',
  })
  expectedVersion?: number | null;
}
