import type { ReplayOptions } from './counterfactual-replay';
import { EnumField } from '../validation/fields';
import { RequestBodySchema } from '../validation/request-body';

/** The body of POST /graphs/{name}/placements/replay: every option may be left out. */
@RequestBodySchema('ReplayOptions', 'How to re-solve the recorded placement decisions')
export class ReplayOptionsBody {
  @EnumField({ description: 'the MILP solver (default highs)', example: 'glpk', values: ['highs', 'glpk'], optional: true })
  solver?: ReplayOptions['solver'];

  @EnumField({ description: 'the algorithm (default milp)', example: 'milp', values: ['milp', 'naive'], optional: true })
  algorithm?: ReplayOptions['algorithm'];

  @EnumField({ description: 'min-moves: stay close to the recorded placement (default); fresh: ignore it', example: 'fresh', values: ['min-moves', 'fresh'], optional: true })
  objective?: ReplayOptions['objective'];
}

export function toReplayOptions({ solver = 'highs', algorithm = 'milp', objective = 'min-moves' }: ReplayOptionsBody): ReplayOptions {
  return { solver, algorithm, objective };
}
