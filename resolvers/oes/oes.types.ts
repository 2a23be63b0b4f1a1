import { GraphQLDateTime } from '../shared/date-time.js';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { OesConnection } from '../../src/services/oes/model.js';
import { pageType } from '../shared/pagination.js';
import { VersionedConnectionType, VersionedInput } from '../shared/versioned.js';
import { resultUnion } from '../shared/result-union.js';
import { SUCCESS_CONNECTION } from '../shared/descriptions.js';
import { MutationSuccess } from '../shared/mutation-success.js';
import type { MutationOutcome } from '../../src/shared/result.js';

@ObjectType('Partner', {
  simpleResolvers: true,
  description: 'A partner venue an enterprise client connects to.',
})
export class PartnerType {
  @Field(() => ID, { description: "The partner venue's id." })
  id!: string;

  @Field(() => String, { description: "The partner venue's name." })
  name!: string;
}

@ObjectType('OesConnection', {
  simpleResolvers: true,
  description: "An enterprise client's connection to a partner venue (off-exchange settlement).",
})
export class OesConnectionType extends VersionedConnectionType {
  @Field(() => ID, { description: 'The enterprise (tenant) that owns the connection.' })
  enterpriseId!: string;

  @Field(() => String, {
    description:
      'A user-friendly name for the connection: a descriptive label for this particular connection (1 to 200 characters).',
  })
  name!: string;

  @Field(() => Boolean, {
    description:
      'Whether the connection is active. An inactive connection cannot be allocated to until it is activated again; deallocations can still occur.',
  })
  active!: boolean;

  // `partner` is resolved by OesConnectionResolver through a loader.
  partnerId!: string;
}

export const OesConnectionPage = pageType(OesConnectionType, 'OesConnectionPage');

@InputType({
  description:
    'A partial update: give `name`, `active` or both. Neither given: InvalidInputError NOTHING_TO_UPDATE at ["input"]; either given as null: NOT_NULLABLE at its path.',
})
export class UpdateOesConnectionInput extends VersionedInput {
  @Field(() => Boolean, {
    nullable: true,
    description:
      'Whether the connection is active. When set to false, the connection is deactivated and cannot be allocated to until it is activated again (deallocations can still occur). When set to true, the connection is activated and can be allocated to again. Absent: unchanged.',
  })
  active?: boolean | null;

  @Field(() => String, {
    nullable: true,
    description:
      'A user-friendly name for the connection. Trimmed; 1 to 200 characters, no control characters (BLANK, TOO_LONG, INVALID_CHARACTERS at ["input","name"]). Absent: unchanged.',
  })
  name?: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'The connection was updated, or already was as asked (then its version is unchanged).',
})
export class UpdateOesConnectionSuccess extends MutationSuccess {
  @Field(() => OesConnectionType, { description: SUCCESS_CONNECTION })
  connection: OesConnection;

  constructor(outcome: MutationOutcome<OesConnection>) {
    super(outcome);
    this.connection = outcome.value;
  }
}

export const UpdateOesConnectionResult = resultUnion(
  'UpdateOesConnectionResult',
  UpdateOesConnectionSuccess,
);
