import type { GraphDocument } from '../../../projections/graphs.projection';
import { waitsForEveryEvent, type ExistingGraph } from '../../domain/graph/state';

/** A service as upstream's `Service.to_dict()` shows it, plus failure details and the placement target. */
export interface ServiceView {
  name: string;
  status: string;
  grafana: string | null;
  cluster_affinity: string | null;
  cpu: string;
  memory: string;
  storage: string;
  gpu: string;
  values_overwrite: Record<string, unknown>;
  artifact_ref: string;
  artifact_type: string;
  artifact_implementer: string;
  error: { action: string; exitCode: number | null; stderr: string; timedOut: boolean } | null;
  /** Replicas the autoscaler set; null until it has scaled the service (then the placement decision's count applies). */
  replicas: number | null;
  /** A service waiting for every one of its events (`condition: ALL`): those firing now, by id; null for any other service. */
  firing_events: string[] | null;
}

/** A graph as upstream's `Graph.to_dict()` shows it, plus its placement, revision and failures. */
export interface GraphView {
  name: string;
  status: string;
  project: string;
  grafana: string | null;
  hdaGraph: Record<string, unknown>;
  services: ServiceView[];
  placement: Record<string, string> | null;
  placementFailure: { detail: string; bindingResource: string | null } | null;
  /** The last dashboard Grafana refused (cleared once one is published); POST /graphs/{name}/retry tries again. */
  dashboardFailure: { action: 'publish' | 'remove'; serviceId: string | null; error: string } | null;
  settled: boolean;
  revision: number;
  /** Re-placements waiting for approval (and those decided): who would move where, and why. */
  proposals: ProposalView[];
  /** What the descriptor's author should hear about: accepted, but probably not what was meant (e.g. a misspelt field). */
  warnings: Array<{ pointer: string; message: string }>;
}

/** A re-placement waiting for approval (or decided): who would move where, and why. */
export interface ProposalView {
  proposalId: string;
  status: string;
  expired: boolean;
  why: string;
  expiresAt: string;
  diff: Array<{ serviceId: string; from: string | null; to: string }>;
}

export function toGraphView(doc: GraphDocument): GraphView {
  const { state } = doc;
  const specs = new Map(state.normalised.services.map((spec) => [spec.id, spec]));
  return {
    name: state.graphId,
    status: state.status,
    project: state.project,
    grafana: state.dashboard?.url ?? null,
    hdaGraph: state.descriptor,
    services: state.services.map((service) => {
      const spec = specs.get(service.id)!;
      const { upstream } = spec.resources;
      return {
        name: service.id,
        status: service.status,
        grafana: service.dashboard?.url ?? null,
        cluster_affinity: service.target?.cluster ?? null,
        cpu: upstream.cpu,
        memory: upstream.memory,
        storage: upstream.storage,
        gpu: String(upstream.gpu),
        values_overwrite: service.target?.values ?? spec.helmValues,
        artifact_ref: spec.artifact.ref,
        artifact_type: spec.artifact.type,
        artifact_implementer: spec.artifact.implementer,
        error: service.failure,
        replicas: service.replicas,
        firing_events: waitsForEveryEvent(spec.trigger) && !service.triggered ? Object.keys(service.firingEvents ?? {}).sort() : null,
      };
    }),
    placement: state.placement && state.placement.algorithm !== 'static' ? state.placement.placement : null,
    placementFailure: state.placementFailure ? { detail: state.placementFailure.detail, bindingResource: state.placementFailure.bindingResource } : null,
    dashboardFailure: state.dashboardFailure ?? null,
    settled: doc.settled,
    revision: doc.revision,
    proposals: (state.proposals ?? []).map(toProposalView),
    warnings: state.warnings ?? [],
  };
}

export function toProposalView({ proposalId, status, why, expiresAt, diff }: ExistingGraph['proposals'][number]): ProposalView {
  return { proposalId, status, expired: status === 'pending' && expiresAt < new Date().toISOString(), why, expiresAt, diff };
}
