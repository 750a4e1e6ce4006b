/** Resource limits for untrusted descriptor text, shared by the HTTP intake and the artifact resolver. */
export interface IntakeLimits {
  /** Largest accepted request body in bytes; larger bodies get 413. */
  readonly maxBodyBytes: number;
  /** Deepest accepted nesting of objects and arrays (the descriptor itself needs about 11). */
  readonly maxDepth: number;
  /**
   * yaml's alias budget (its own default): stops "billion laughs" expansion, whose cost it counts
   * nested; a flat anchor shared by a hundred services stays within it (16 had refused twenty).
   */
  readonly maxAliasCount: number;
  /**
   * Largest YAML text in lexer tokens: what a descriptor of the body limit holds (0.27 tokens a byte:
   * 1,000 services, 830 KB, are 222,000 tokens and parse in ~0.4 s). Text denser in tokens is refused
   * once past it, so one request cannot hold a core for longer. 50,000 had refused YAML graphs of
   * more than ~225 services that SMO's other limits (1,000 services, 1 MiB) allow.
   */
  readonly maxYamlTokens: number;
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = {
  maxBodyBytes: 1024 * 1024,
  maxDepth: 64,
  maxAliasCount: 100,
  maxYamlTokens: 300_000,
};

export function withDefaults(limits: Partial<IntakeLimits> = {}): IntakeLimits {
  return { ...DEFAULT_INTAKE_LIMITS, ...limits };
}
