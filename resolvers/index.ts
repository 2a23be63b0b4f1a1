import type { NonEmptyArray } from 'type-graphql';
import { appsResolvers } from './apps/index.js';
import { ConnectionChangeResolver } from './changes/changes.resolver.js';
import { connectorsResolvers } from './connectors/index.js';
import { databasesResolvers } from './databases/index.js';
import { IdentityResolver } from './identity/identity.resolver.js';
import { nexusResolvers } from './nexus/index.js';
import { OesConnectionResolver } from './oes/oes.resolver.js';

/** Every resolver class of the gateway. */
export const resolvers: NonEmptyArray<Function> = [
  IdentityResolver,
  OesConnectionResolver,
  ...nexusResolvers,
  ...appsResolvers,
  ...databasesResolvers,
  ...connectorsResolvers,
  ConnectionChangeResolver,
];
