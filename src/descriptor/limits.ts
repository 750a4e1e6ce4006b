/** Resource limits for untrusted descriptor text, shared by the HTTP intake and the artifact resolver. */
export interface IntakeLimits {
  /** Largest accepted request body in bytes; larger bodies get 413. */
  readonly maxBodyBytes: number;
  /** Deepest accepted nesting of objects and arrays (the descriptor itself needs about 11). */
  readonly maxDepth: number;
  /** yaml's alias budget: stops "billion laughs" expansion; descriptors rarely need aliases at all. */
  readonly maxAliasCount: number;
  /**
   * Largest YAML text in lexer tokens. The yaml library parses at a few hundred KB per second, so the
   * byte limit alone would let one request hold a core for seconds; 50 000 tokens is ~7 000 lines.
   */
  readonly maxYamlTokens: number;
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = {
  maxBodyBytes: 1024 * 1024,
  maxDepth: 64,
  maxAliasCount: 16,
  maxYamlTokens: 50_000,
};

export function withDefaults(limits: Partial<IntakeLimits> = {}): IntakeLimits {
  return { ...DEFAULT_INTAKE_LIMITS, ...limits };
}
