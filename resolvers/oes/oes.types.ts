import { GraphQLDateTime } from '../shared/date-time.js';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { OesConnection } from '../../src/services/oes/service.js';
import { pageType } from '../shared/pagination.js';
import { VersionedConnectionType, VersionedInput } from '../shared/versioned.js';
import { resultUnion } from '../shared/result-union.js';
import { MutationSuccess } from '../shared/mutation-success.js';
import type { MutationOutcome } from '../../src/services/mutation.js';

@ObjectType('Partner', {
  simpleResolvers: true,
  description: 'A partner venue an enterprise client connects to.',
})
export class PartnerType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

@ObjectType('OesConnection', {
  simpleResolvers: true,
  description: "An enterprise client's connection to a partner venue (off-exchange settlement).",
})
export class OesConnectionType extends VersionedConnectionType {
  @Field(() => ID, { description: 'The enterprise (tenant) that owns the connection.' })
  enterpriseId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Boolean, {
    description: 'An inactive connection cannot be allocated to; deallocations still work.',
  })
  active!: boolean;

  // `partner` is resolved by OesConnectionResolver through a loader.
  partnerId!: string;
}

export const OesConnectionPage = pageType(OesConnectionType, 'OesConnectionPage');

@InputType({ description: 'Both optional, at least one. Neither can be null.' })
export class UpdateOesConnectionInput extends VersionedInput {
  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;

  @Field(() => String, { nullable: true, description: '1 to 200 characters; trimmed.' })
  name?: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description: 'The connection after the change (in a dry run: as it would be).',
})
export class UpdateOesConnectionSuccess extends MutationSuccess {
  @Field(() => OesConnectionType)
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
