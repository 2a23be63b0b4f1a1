import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { auditEventPage } from '../../src/services/audit/service.js';
import { PageArgs, toPageResult } from '../shared/pagination.js';
import { unwrapList } from '../shared/query-result.js';
import { GraphQLDateTime } from '../shared/date-time.js';
import { AuditEventPage, SortOrder, ViewerType } from './identity.types.js';

@Resolver()
export class IdentityResolver {
  @Query(() => ViewerType, {
    nullable: true,
    description: 'The caller; null when unauthenticated.',
  })
  async viewer(@Ctx() ctx: GatewayContext): Promise<ViewerType | null> {
    const principal = await ctx.principal();
    if (!principal) return null;
    return {
      id: principal.id,
      kind: principal.kind,
      memberships: [...principal.memberships].map(([tenantId, permissions]) => ({
        tenantId,
        permissions: [...permissions].sort(),
      })),
    };
  }

  @Query(() => AuditEventPage, {
    description:
      'Audit events of one resource (resourceId) and/or of one tenant (tenantId); at least one of the two is required (else BAD_USER_INPUT). Only events of tenants where the caller holds connections:read; a tenantId where it does not is FORBIDDEN.',
  })
  async auditEvents(
    @Arg('resourceId', () => ID, {
      nullable: true,
      description: 'Only the events of this resource (a connection id).',
    })
    resourceId: string | null,
    @Arg('tenantId', () => ID, { nullable: true, description: 'Only the events of this tenant.' })
    tenantId: string | null,
    @Arg('resourceType', () => String, {
      nullable: true,
      description: 'Only events of this resource type, e.g. "DatabaseConnection".',
    })
    resourceType: string | null,
    @Arg('since', () => GraphQLDateTime, {
      nullable: true,
      description: 'Only events recorded at or after this moment.',
    })
    since: Date | null,
    @Arg('order', () => SortOrder, {
      nullable: true,
      defaultValue: SortOrder.ASC,
      description: 'ASC (default): oldest first; DESC: newest first.',
    })
    order: SortOrder | null,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return toPageResult(
      unwrapList(
        await auditEventPage(
          ctx,
          {
            resourceId: resourceId ?? null,
            tenantId: tenantId ?? null,
            resourceType: resourceType ?? null,
            since: since ?? null,
            descending: order === SortOrder.DESC,
          },
          first,
          after,
        ),
      ),
    );
  }
}
