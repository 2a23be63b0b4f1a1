import { AppResolver, OrgConnectionResolver } from './apps.resolver.js';

/** The Apps service's resolver classes (registered in resolvers/index.ts). */
export const appsResolvers: Function[] = [OrgConnectionResolver, AppResolver];
