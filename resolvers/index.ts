import type { NonEmptyArray } from 'type-graphql';
import { IdentityResolver } from './identity/identity.resolver.js';
import { OesConnectionResolver } from './oes/oes.resolver.js';

/** Every resolver class of the gateway. */
export const resolvers: NonEmptyArray<Function> = [IdentityResolver, OesConnectionResolver];
