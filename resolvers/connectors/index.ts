import { ConnectorConnectionResolver } from './connectors.resolver.js';

/** The Connectors service's resolver classes (registered in resolvers/index.ts). */
export const connectorsResolvers: Function[] = [ConnectorConnectionResolver];
