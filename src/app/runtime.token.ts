/** Nest injection token for the Runtime. */
export const RUNTIME = Symbol('SMO_RUNTIME');
