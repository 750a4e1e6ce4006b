/**
 * The thread a WorkerSolver solves in (worker-solver.ts). The model arrives in parts; a solve is
 * synchronous WebAssembly, and the main thread sends the next model only once this one is answered.
 */
import { parentPort } from 'node:worker_threads';
import type { LinearConstraint, LinearTerm, ModelVariable } from '../solver';
import { getSolver } from '../solver-selection';
import { failedResult } from './solution';
import type { ModelPart } from './solver-worker-messages';

/** The model being received: its first part, and its lists so far. */
let model: (Extract<ModelPart, { kind: 'begin' }> & { objective: LinearTerm[]; variables: ModelVariable[]; constraints: LinearConstraint[] }) | null = null;

parentPort?.on('message', (part: ModelPart) => {
  if (part.kind === 'begin') {
    model = { ...part, objective: [], variables: [], constraints: [] };
    return;
  }
  if (model === null) return;
  if (part.kind === 'objective') for (const term of part.items) model.objective.push(term);
  else if (part.kind === 'variables') for (const variable of part.items) model.variables.push(variable);
  else if (part.kind === 'constraints') for (const constraint of part.items) model.constraints.push(constraint);
  else {
    const { solver: name, header, options, objective, variables, constraints } = model;
    model = null;
    const started = performance.now();
    getSolver(name)
      .then((solver) => solver.solve({ ...header, objective, variables, constraints }, options))
      .catch((error: unknown) => failedResult(name, 'error', performance.now() - started, error instanceof Error ? error.message : String(error)))
      .then((result) => parentPort?.postMessage(result));
  }
});
