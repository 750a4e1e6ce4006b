import type { ReplayOptions } from './counterfactual-replay';
import { BooleanField, EnumField, NestedField } from '../validation/fields';
import { RequestBodySchema } from '../validation/request-body';

/** Intents switched on or off against the recorded ones, to show what each changed. */
@RequestBodySchema('ReplayIntentSwitches', 'Intents switched on or off against the recorded ones')
export class ReplayIntentSwitches {
  @BooleanField({ description: 'only trusted clusters', example: false, optional: true })
  security?: boolean;

  @BooleanField({ description: 'each service on two clusters', example: false, optional: true })
  highAvailability?: boolean;

  @BooleanField({ description: 'prefer low-carbon clusters', example: false, optional: true })
  energyEfficiency?: boolean;

  @BooleanField({ description: 'prefer accelerated, least utilised clusters and low round trips', example: false, optional: true })
  highPerformance?: boolean;

  @BooleanField({ description: 'services listed together share a cluster', example: false, optional: true })
  coLocation?: boolean;
}

/** The body of POST /graphs/{name}/placements/replay: every option may be left out. */
@RequestBodySchema('ReplayOptions', 'How to re-solve the recorded placement decisions')
export class ReplayOptionsBody {
  @EnumField({ description: 'the MILP solver (default highs)', example: 'glpk', values: ['highs', 'glpk'], optional: true })
  solver?: ReplayOptions['solver'];

  @EnumField({ description: 'the algorithm (default milp)', example: 'milp', values: ['milp', 'naive'], optional: true })
  algorithm?: ReplayOptions['algorithm'];

  @EnumField({ description: 'min-moves: stay close to the recorded placement (default); fresh: ignore it', example: 'fresh', values: ['min-moves', 'fresh'], optional: true })
  objective?: ReplayOptions['objective'];

  @NestedField({ description: 'switch intents on or off against the recorded ones, to show what each changed', type: () => ReplayIntentSwitches, optional: true })
  intents?: ReplayIntentSwitches;
}

export function toReplayOptions({ solver = 'highs', algorithm = 'milp', objective = 'min-moves', intents }: ReplayOptionsBody): ReplayOptions {
  const switches = intents === undefined ? undefined : Object.fromEntries(Object.entries(intents).filter(([, on]) => on !== undefined));
  return { solver, algorithm, objective, ...(switches === undefined ? {} : { intents: switches }) };
}
