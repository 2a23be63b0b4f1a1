import { NexusConnectionResolver } from './nexus.resolver.js';

/** The Nexus service's resolver classes (registered in resolvers/index.ts). */
export const nexusResolvers: Function[] = [NexusConnectionResolver];
