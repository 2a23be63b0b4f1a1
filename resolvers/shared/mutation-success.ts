import { Field, ObjectType } from 'type-graphql';
import type { MutationOutcome } from '../../src/services/mutation.js';

/** The description of the `validateOnly` argument every mutation takes. */
export const VALIDATE_ONLY_DESCRIPTION =
  'true: run every check (credentials, input, permission, licence, existence with the row locked, expectedVersion, the service rules) and answer with the connection as it would be, version included, then keep nothing: no write, no version bump, no audit event. Errors are exactly those of the real call.';

/**
 * The fields every `<Name>Success` carries besides its payload (a base class only:
 * type-graphql emits no type for it).
 */
@ObjectType({ simpleResolvers: true })
export abstract class MutationSuccess {
  @Field(() => [String], {
    description:
      'The names of the fields the change changes, as its audit event records them; empty when nothing changes.',
  })
  changedFields: string[];

  @Field(() => Boolean, {
    description:
      'true when this was a dry run (validateOnly): nothing was kept, and the connection is as it would be.',
  })
  validateOnly: boolean;

  constructor(outcome: MutationOutcome<unknown>) {
    this.changedFields = outcome.changedFields;
    this.validateOnly = outcome.validateOnly;
  }
}
