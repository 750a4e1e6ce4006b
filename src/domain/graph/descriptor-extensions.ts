/**
 * The rules of the descriptor extensions SMO reads, defined once: the validator refuses a member that breaks
 * its rule (400 under the member's pointer), and the readers use a member only when it keeps it (a graph
 * recorded before the validator checked them falls back to the defaults, member by member).
 *
 *   services[].deployment.intent.scaling: {alpha, beta, maxReplicas, rateOf}   (src/processors/scaling-parameters.ts)
 *   hdaGraph.hdaGraphIntent.placementPolicy: {automatic, maxMoves}            (placement-policy.ts)
 */

/** Why a member's value is refused, or undefined when it is fine. */
export type MemberRule = (value: unknown) => string | undefined;

/** The most replicas `scaling.maxReplicas` may ask for. */
export const MAX_SCALING_REPLICAS = 1000;

/** How automatic re-placements are handled (`placementPolicy.automatic`); the first is the default. */
export const PLACEMENT_POLICY_MODES = ['apply', 'propose', 'apply-within-budget'] as const;
export type PlacementPolicyMode = (typeof PLACEMENT_POLICY_MODES)[number];

export const SCALING_FIELDS = ['alpha', 'beta', 'maxReplicas', 'rateOf'] as const;
export const PLACEMENT_POLICY_FIELDS = ['automatic', 'maxMoves'] as const;

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value;
}

const finiteNumber: MemberRule = (value) => (typeof value === 'number' && Number.isFinite(value) ? undefined : `must be a finite number (got ${shown(value)})`);

const positiveNumber: MemberRule = (value) =>
  finiteNumber(value) ?? ((value as number) > 0 ? undefined : `must be a number above 0: the requests/s each replica adds (got ${shown(value)})`);

const integerIn =
  (min: number, max?: number): MemberRule =>
  (value) =>
    Number.isSafeInteger(value) && (value as number) >= min && (max === undefined || (value as number) <= max)
      ? undefined
      : `must be an integer ${max === undefined ? `≥ ${min}` : `from ${min} to ${max}`} (got ${shown(value)})`;

const oneOf =
  (allowed: readonly string[]): MemberRule =>
  (value) =>
    allowed.includes(value as string) ? undefined : `must be one of ${allowed.join(', ')} (got ${shown(value)})`;

/**
 * `scaling` members: r replicas serve alpha·r + beta requests/s, up to maxReplicas; rateOf names the service of
 * the graph whose request rate drives this one (checked against the graph's ids by `rateOfRule`).
 */
export const SCALING_RULES: Record<(typeof SCALING_FIELDS)[number], MemberRule> = {
  alpha: positiveNumber,
  beta: finiteNumber,
  maxReplicas: integerIn(1, MAX_SCALING_REPLICAS),
  rateOf: (value) => (typeof value === 'string' && value.length > 0 ? undefined : `must be a service id of this graph (got ${shown(value)})`),
};

/** `scaling.rateOf` against the graph's service ids. */
export function rateOfRule(serviceIds: ReadonlySet<string>): MemberRule {
  return (value) => SCALING_RULES.rateOf(value) ?? (serviceIds.has(value as string) ? undefined : `must be a service id of this graph (got ${shown(value)}, which names none)`);
}

/** `placementPolicy` members: maxMoves is the most services one re-placement may move (unset: no limit). */
export const PLACEMENT_POLICY_RULES: Record<(typeof PLACEMENT_POLICY_FIELDS)[number], MemberRule> = {
  automatic: oneOf(PLACEMENT_POLICY_MODES),
  maxMoves: integerIn(0),
};
