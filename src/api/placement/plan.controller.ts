import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { getIsolatedSolver, InvalidOptimizerInput, planPlacement, type PlanFeasible } from '../../optimizer';
import type { Runtime } from '../../app/runtime';
import { RUNTIME } from '../../app/runtime.token';
import { ApiJson, ApiProblems } from '../openapi/responses';
import { ProblemException } from '../problem';
import { validBody } from '../validation/request-body';
import { PlanRequestBody, toPlanRequest } from './plan-request';

const EXAMPLE = {
  clusters: [{ name: 'c1', cpu: 4, memory: '8Gi', gpu: 0, available: true }],
  services: [{ id: 'a', cpu: 0.5, memory: '512Mi', gpu: false, replicas: 1 }],
  currentPlacement: { a: 'c1' },
  algorithm: 'milp',
};

/** What-if placement: solve without recording or changing anything. */
@ApiTags('placement')
@Controller('placement')
export class PlanController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Post('plan')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Plan a placement (what-if)',
    description:
      '`memory`, `gpu`, `available`, `replicas`, `currentPlacement` and `algorithm` are optional; `algorithm` defaults to `milp` when `currentPlacement` is given, else `naive`. ' +
      'Latency (optional): per service `latencies: [{connectionPoint, qos}]` as in the HDAG (`ultralow` < 10 ms, `low` ≤ 20 ms, `best-effort`), and `clusterLatencyMs: {c1: {c2: 12}}` ' +
      '(round trips; one direction is enough, the larger of two counts; a missing pair is unknown and allows `best-effort` only; the same cluster is 0 ms). ' +
      'Both may only name services and clusters of the request (else 422, as for duplicate names).',
  })
  @ApiQuery({
    name: 'capacityGap',
    required: false,
    enum: ['true', 'false'],
    description:
      'On a 422 from the MILP, the smallest additional capacity that makes a placement fit. `true`: computed (probes up to 100 ms, or the time the verdict took). ' +
      'Default: only within the time the verdict took (so a 422 costs at most about twice the solve; none when the verdict needed no solver). `false`: never.',
  })
  @ApiBody({ type: PlanRequestBody, examples: { milp: { summary: 'Re-place one service', value: EXAMPLE } } })
  @ApiJson(200, 'A feasible placement with moves, objective, solver, utilisation and explanation', 'PlanResult')
  @ApiProblems(422)
  async plan(@Body() body: unknown, @Query('capacityGap') capacityGapParameter?: unknown) {
    const capacityGap = parseCapacityGap(capacityGapParameter);
    const request = toPlanRequest(validBody(PlanRequestBody, body));
    const { clusters, services } = request;
    const cells = clusters.length * services.length;
    if (cells > this.runtime.config.security.maxSolveCells) {
      throw ProblemException.of(HttpStatus.BAD_REQUEST, `${services.length} services × ${clusters.length} clusters exceeds the limit of ${this.runtime.config.security.maxSolveCells} (SMO_MAX_SOLVE_CELLS)`);
    }
    let result;
    try {
      result = await planPlacement(request, {
        solver: getIsolatedSolver(this.runtime.config.solver),
        latencyLimitsMs: this.runtime.config.latency.limitsMs,
        intentLabels: this.runtime.config.karmada.intentLabels,
        ...(capacityGap === undefined ? {} : { capacityGap }),
      });
    } catch (error) {
      if (error instanceof InvalidOptimizerInput) throw ProblemException.of(HttpStatus.BAD_REQUEST, error.message);
      throw error;
    }
    if (!result.feasible) {
      throw ProblemException.of(HttpStatus.UNPROCESSABLE_ENTITY, result.reason, {
        kind: result.kind,
        bindingResource: result.bindingResource ?? null,
        serviceId: result.serviceId ?? null,
        // An intent that cannot be met is the requirement named (coLocation, highAvailability, security).
        requirement: result.requirement ?? (isIntent(result.bindingResource) ? result.bindingResource : null),
        ...(result.capacityGap === undefined ? {} : { capacityGap: result.capacityGap }),
        solver: result.solver,
        explanation: result.explanation,
      });
    }
    return view(result);
  }
}

/** `?capacityGap=true|false`; absent: the engine's default (within the verdict's time). */
function parseCapacityGap(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw ProblemException.of(HttpStatus.BAD_REQUEST, 'Query parameter capacityGap must be true or false');
}

function view(result: PlanFeasible) {
  return {
    feasible: true,
    placement: result.placement,
    moves: result.moves,
    objective: result.objective,
    solver: result.solver,
    solveMs: Math.round(result.solveMs * 1000) / 1000,
    utilisation: result.utilisation,
    explanation: result.explanation,
    algorithm: result.algorithm,
    provenOptimal: result.provenOptimal,
    terms: result.terms,
    ...(result.clusterSets ? { clusterSets: result.clusterSets } : {}),
    ...(result.intents ? { intents: result.intents } : {}),
  };
}

/** Whether a binding resource is an intent (answered as the `requirement` that cannot be met). */
export function isIntent(binding: string | null | undefined): boolean {
  return binding === 'coLocation' || binding === 'highAvailability' || binding === 'security';
}
