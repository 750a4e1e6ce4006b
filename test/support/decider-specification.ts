import type { Decider } from '../../src/domain/decider';
import type { EventEnvelope } from '../../src/domain/event-schema';

/** given(events).when(command).then(events) | thenThrows(…) — a decider test in one line each. */
export function deciderSpecification<C, E extends EventEnvelope, S>(decider: Decider<C, E, S>) {
  return {
    given(events: E[]) {
      const state = events.reduce(decider.evolve, decider.initialState);
      return {
        state,
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: E[]) {
              expect(run()).toEqual(expected);
            },
            thenThrows(match: Record<string, unknown>) {
              let error: unknown;
              try {
                run();
              } catch (caught) {
                error = caught;
              }
              expect(error).toMatchObject(match);
            },
          };
        },
      };
    },
  };
}
