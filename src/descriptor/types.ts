/** The descriptor types are part of the graph domain (stored in its events); re-exported here for the validator. */
export * from '../domain/graph/hdag-descriptor';
