/** Something SMO starts at most once per process and keeps while the process lives; `close` ends it, a later use starts it again. */
export interface ProcessResource {
  close(): Promise<void>;
}

const resources = new Set<ProcessResource>();

/**
 * Registers one of SMO's process-wide resources (the program launcher, the solvers' worker threads). A process
 * that hosts SMO more than once — a test runner, which loads SMO's modules afresh for each test file — ends
 * them with closeProcessResources when a host is done; SMO's own process ends them by exiting.
 */
export function processResource<T extends ProcessResource>(resource: T): T {
  resources.add(resource);
  return resource;
}

/** Ends every process-wide resource of these modules' (they stay registered: the next use starts one again). */
export async function closeProcessResources(): Promise<void> {
  await Promise.all([...resources].map((resource) => resource.close()));
}
