import type { GraphQLResolveInfo } from 'graphql';
import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  ID,
  Info,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import type { DatabaseConnection, DatabaseJob } from '../../src/services/databases/model.js';
import {
  activeJobsOf,
  databaseConnectionById,
  databaseConnectionPage,
  patchDatabaseConnection,
} from '../../src/services/databases/service.js';
import { PATCH_FIELD_NAMES, SSL_PARTS } from '../../src/services/databases/rules.js';
import { inputFields } from '../shared/input.js';
import { PageArgs, toPageResult } from '../shared/pagination.js';
import { selectionOf } from '../shared/selection.js';
import { unwrapList, unwrapQuery } from '../shared/query-result.js';
import { toMutationResult } from '../shared/result-union.js';
import { MutationOptionsArgs } from '../shared/mutation-success.js';
import { PatchDatabaseConnectionInput } from './databases.inputs.js';
import {
  DatabaseConnectionPage,
  DatabaseConnectionType,
  DatabaseJobType,
  PatchDatabaseConnectionResult,
  PatchDatabaseConnectionSuccess,
} from './databases.types.js';
import { MUTATION_INPUT, QUERY_CONNECTION_ID, QUERY_TENANT } from '../shared/descriptions.js';

@Resolver(() => DatabaseConnectionType)
export class DatabaseConnectionResolver {
  @Mutation(() => PatchDatabaseConnectionResult, {
    description:
      'Applies a partial update to a database connection of one of your tenants (PATCH). Refused with ConflictError ACTIVE_JOBS (and the job ids) while any job that uses the connection is queued or running. Needs connections:write. Errors, in this order: AuthenticationError, InvalidInputError (every field problem at once), PermissionDeniedError, NotFoundError (DatabaseConnection), ConflictError VERSION_MISMATCH, ACTIVE_JOBS, NAME_TAKEN.',
  })
  async patchDatabaseConnection(
    @Arg('connectionId', () => ID, {
      description:
        'The connection to patch: a UUID (any case), looked up in the tenants you are a member of. Malformed: InvalidInputError at ["connectionId"]; not found there (including a connection of another tenant): NotFoundError.',
    })
    connectionId: string,
    @Arg('input', () => PatchDatabaseConnectionInput, { description: MUTATION_INPUT })
    input: PatchDatabaseConnectionInput,
    @Args(() => MutationOptionsArgs) { validateOnly, idempotencyKey }: MutationOptionsArgs,
    @Ctx() ctx: GatewayContext,
  ): Promise<typeof PatchDatabaseConnectionResult> {
    const fields = inputFields(input, [...PATCH_FIELD_NAMES, 'expectedVersion'] as const);
    const result = await patchDatabaseConnection(
      ctx,
      {
        connectionId,
        input: { ...fields, ssl: fields.ssl ? inputFields(fields.ssl, SSL_PARTS) : fields.ssl },
      },
      { validateOnly, idempotencyKey },
    );
    return toMutationResult(result, (c) => new PatchDatabaseConnectionSuccess(c));
  }

  @Query(() => DatabaseConnectionPage, {
    description:
      "One page of a tenant's database connections, oldest first. Needs connections:read.",
  })
  async databaseConnections(
    @Arg('tenantId', () => ID, { description: QUERY_TENANT }) tenantId: string,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    // The nested objects the query asks for are read with the page (see page-parts.ts).
    const parts = { activeJobs: selectionOf(info, 'items').activeJobs !== undefined };
    return toPageResult(
      unwrapList(await databaseConnectionPage(ctx, tenantId, first, after, parts)),
    );
  }

  @Query(() => DatabaseConnectionType, {
    nullable: true,
    description:
      'A database connection of any tenant where you hold connections:read; null when there is none with this id.',
  })
  async databaseConnection(
    @Arg('connectionId', () => ID, { description: QUERY_CONNECTION_ID }) connectionId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<DatabaseConnection | null> {
    return unwrapQuery(await databaseConnectionById(ctx, connectionId));
  }

  @FieldResolver(() => [DatabaseJobType], {
    description:
      'The queued and running jobs that use the connection; while any exists, it cannot be patched.',
  })
  activeJobs(
    @Root() connection: DatabaseConnection,
    @Ctx() ctx: GatewayContext,
  ): DatabaseJob[] | Promise<DatabaseJob[]> {
    return activeJobsOf(ctx, connection);
  }
}
