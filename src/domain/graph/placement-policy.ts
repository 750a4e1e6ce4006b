import { PLACEMENT_POLICY_MODES, PLACEMENT_POLICY_RULES, type PlacementPolicyMode } from './descriptor-extensions';

/**
 * How a graph wants automatic re-placements (cluster lost, scaling infeasible) handled — a
 * descriptor extension, `hdaGraph.hdaGraphIntent.placementPolicy`:
 *   automatic: apply (default) | propose | apply-within-budget
 *   maxMoves:  the most services one re-placement may move (unset: no limit)
 * The validator refuses other values (PLACEMENT_POLICY_RULES); a graph recorded before it did falls back to the defaults.
 */
export interface PlacementPolicy {
  automatic: PlacementPolicyMode;
  maxMoves: number | null;
}

export const DEFAULT_PLACEMENT_POLICY: PlacementPolicy = { automatic: PLACEMENT_POLICY_MODES[0], maxMoves: null };

export function placementPolicy(descriptor: Record<string, unknown>): PlacementPolicy {
  const intent = descriptor.hdaGraphIntent as { placementPolicy?: unknown } | undefined;
  const policy = intent?.placementPolicy as { automatic?: unknown; maxMoves?: unknown } | undefined;
  if (!policy || typeof policy !== 'object' || Array.isArray(policy)) return DEFAULT_PLACEMENT_POLICY;
  const automatic = PLACEMENT_POLICY_RULES.automatic(policy.automatic) === undefined ? (policy.automatic as PlacementPolicyMode) : DEFAULT_PLACEMENT_POLICY.automatic;
  const maxMoves = PLACEMENT_POLICY_RULES.maxMoves(policy.maxMoves) === undefined ? (policy.maxMoves as number) : DEFAULT_PLACEMENT_POLICY.maxMoves;
  return { automatic, maxMoves };
}

/** What to do with a feasible re-placement that moves `moves` services. */
export function placementAction(
  moves: number,
  request: { manual: boolean; mode?: 'apply' | 'propose'; maxMoves?: number | null },
  policy: PlacementPolicy,
): { action: 'apply' | 'propose'; why: string } | { action: 'refuse'; why: string } {
  const budget = request.maxMoves ?? policy.maxMoves;
  const mode = request.mode ?? (request.manual ? 'apply' : policy.automatic);
  const over = budget !== null && moves > budget;
  if (mode === 'propose') return { action: 'propose', why: request.mode ? 'proposal requested' : 'the graph’s policy proposes automatic re-placements' };
  if (mode === 'apply-within-budget') {
    return over ? { action: 'propose', why: `${moves} moves exceed the budget of ${budget}` } : { action: 'apply', why: 'within the move budget' };
  }
  return over ? { action: 'refuse', why: `re-placement needs ${moves} moves; the budget is ${budget}` } : { action: 'apply', why: 'applied' };
}
