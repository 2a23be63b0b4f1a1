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
    description:
      'Who the caller is and what they may do; null when the request carries no valid credentials (send `Authorization: Bearer <API key or JWT>`).',
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
      'Audit events of one resource (resourceId) and/or of one tenant (tenantId), oldest first unless order is DESC: one event per change, with each changed field and its old and new value (secrets: only that they changed). At least one of resourceId and tenantId is required (else BAD_USER_INPUT). Only events of tenants where the caller holds connections:read, and events of OES connections only from tenants with the OES licence; a tenantId the caller may not read is FORBIDDEN; no credentials: UNAUTHENTICATED.',
  })
  async auditEvents(
    @Arg('resourceId', () => ID, {
      nullable: true,
      description:
        'Only the events of this resource (a connection id). A malformed or unknown id gives an empty page.',
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
