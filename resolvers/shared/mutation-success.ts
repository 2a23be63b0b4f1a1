import { ArgsType, Field, ObjectType } from 'type-graphql';
import type { MutationOutcome } from '../../src/shared/result.js';

/** The description of the `validateOnly` argument every mutation takes. */
export const VALIDATE_ONLY_DESCRIPTION =
  'true: run every check (credentials, input, permission, licence, existence with the row locked, expectedVersion, the service rules) and answer with the connection as it would be, version included, then keep nothing: no write, no version bump, no audit event. Errors are exactly those of the real call.';

/** The description of the `idempotencyKey` argument every mutation takes. */
export const IDEMPOTENCY_KEY_DESCRIPTION =
  'Makes a retry safe: 1 to 255 characters of A-Z a-z 0-9 . _ : - (else InvalidInputError at ["idempotencyKey"]), chosen by the client, e.g. a UUID per save. A second call by the same caller with the same key and the same arguments, within 24 hours, returns the first call\'s result (same member, version and changedFields; the connection as it was then) and changes nothing; with other arguments or another operation it is ConflictError IDEMPOTENCY_KEY_REUSED. Concurrent calls with one key run once. Not recorded: AuthenticationError, top-level errors and validateOnly calls.';

/**
 * The arguments every mutation takes besides its own, declared once: each resolver adds them
 * with `@Args(() => MutationOptionsArgs)` and passes them on as the pipeline's options.
 */
@ArgsType()
export class MutationOptionsArgs {
  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: VALIDATE_ONLY_DESCRIPTION,
  })
  validateOnly!: boolean | null;

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  idempotencyKey?: string | null;
}

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
      'True when this was a dry run (validateOnly): nothing was kept, and the connection is as it would be.',
  })
  validateOnly: boolean;

  constructor(outcome: MutationOutcome<unknown>) {
    this.changedFields = outcome.changedFields;
    this.validateOnly = outcome.validateOnly;
  }
}
