import { DatabaseConnectionResolver } from './databases.resolver.js';

/** The Databases service's resolver classes (registered in resolvers/index.ts). */
export const databasesResolvers: Function[] = [DatabaseConnectionResolver];
