/**
 * The NFVCL port: the parts of NFVCL's API SMO uses (topology and VIMs, Kubernetes blueprints,
 * task status). Answers are parsed and scrubbed of secrets; failures are NfvclError.
 */
import type { K8sAddNodeBody, K8sCreateBody, TopologyBody } from './nfvcl-bodies';

/** NFVCL accepted a request: at once (2024, 200) or as a task to poll (current, 202). */
export interface NfvclAccepted {
  httpStatus: number;
  mode: 'sync' | 'async';
  taskId: string | null;
  /** The blueprint named in the answer (`detail: "Blueprint <id> …"`, or `result`), if any. */
  blueprintId: string | null;
  /** NFVCL's JSON answer, scrubbed of secrets, for the API response and the audit trail. */
  body: unknown;
}

/** `GET /v2/utils/get_task_status`: done or running; a done task may have failed. */
export interface NfvclTaskStatus {
  taskId: string;
  done: boolean;
  error: boolean;
  result: unknown;
  /** NFVCL's exception text for a failed task (scrubbed, capped). */
  exception: string | null;
}

/** A VIM of NFVCL's topology, without its password and other credentials. */
export interface NfvclTopologyVim {
  name: string;
  vimType: string | null;
  vimUrl: string | null;
  areas: number[];
  networks: string[];
  useFloatingIp: boolean;
}

/** A blueprint, read the way upstream's sync reads it, plus whether it is ready. */
export interface NfvclBlueprint {
  id: string;
  type: string | null;
  /** state.master_area.area_id; null for blueprints that are not Kubernetes clusters. */
  popArea: number | null;
  mgmtNetwork: string | null;
  serviceNetwork: string | null;
  /** create_config.master_flavors: its sizes only (vcpu_count, memory_mb, storage_gb), see blueprintOf. */
  masterFlavor: unknown;
  /** Running workers: state.vm_workers / state.worker_numbers (current) or state.progressive_worker_number (2024). */
  workers: number | null;
  /**
   * The master area the blueprint was asked for (create_config.areas, NFVCL's copy of the create request): how a blueprint
   * whose create answer was lost is recognised (NFVCL chooses blueprint ids; a create names nothing SMO could look up).
   */
  requestedMaster: { popArea: number | null; mgmtNetwork: string | null; serviceNetwork: string | null; workerReplicas: number | null } | null;
  /** `ready`: idle without error; `busy`: an operation runs; `error`: NFVCL reports an error. */
  phase: 'ready' | 'busy' | 'error';
  /** NFVCL is destroying it (`current_operation: destroying`, a delete it accepted): it is no one's cluster any more. */
  destroying: boolean;
  detail: string | null;
}

export interface NfvclPort {
  /** VIMs of NFVCL's topology (none when NFVCL has no topology). */
  topologyVims(signal?: AbortSignal): Promise<NfvclTopologyVim[]>;
  /**
   * Upstream's `POST /v1/topology` with the whole topology. When NFVCL refuses it (400/409) because
   * a topology already exists, the VIM is added to it instead: its networks that the topology lacks
   * (`POST /v1/topology/network`), then the VIM (`POST /v1/topology/vim`). `secrets` (the VIM
   * password) are scrubbed from everything NFVCL answers.
   */
  registerVim(body: TopologyBody, secrets: readonly string[]): Promise<NfvclAccepted>;
  /** `DELETE /v1/topology/vim/{name}`; `not-found` when NFVCL does not know it. */
  deleteVim(name: string): Promise<NfvclAccepted | 'not-found'>;
  createK8sBlueprint(body: K8sCreateBody): Promise<NfvclAccepted>;
  /** Day-2 `add_node`: POST (2024), or PUT when NFVCL answers 405 to POST (current). */
  addK8sNodes(blueprintId: string, body: K8sAddNodeBody): Promise<NfvclAccepted>;
  /** `not-found` when NFVCL no longer has the blueprint. */
  deleteBlueprint(blueprintId: string): Promise<NfvclAccepted | 'not-found'>;
  /** `GET /nfvcl/v2/api/blue/?detailed=true` */
  listBlueprints(signal?: AbortSignal): Promise<NfvclBlueprint[]>;
  /** null when NFVCL does not know the blueprint. */
  getBlueprint(blueprintId: string, signal?: AbortSignal): Promise<NfvclBlueprint | null>;
  /** null when NFVCL does not know the task (task ids are lost when NFVCL restarts). */
  taskStatus(taskId: string, signal?: AbortSignal): Promise<NfvclTaskStatus | null>;
}

/**
 * NFVCL could not do what was asked. `unreachable`: no connection; `timeout`: no answer in time;
 * `refused`: NFVCL answered an error status; `invalid-answer`: a redirect or an unreadable answer.
 * Messages never contain request bodies or secrets.
 */
export class NfvclError extends Error {
  override readonly name = 'NfvclError';
  constructor(
    readonly kind: 'unreachable' | 'timeout' | 'refused' | 'invalid-answer',
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }

  /** Worth retrying an idempotent request: NFVCL was not reached, was slow, or failed on its side. */
  get transient(): boolean {
    return this.kind === 'unreachable' || this.kind === 'timeout' || (this.kind === 'refused' && this.status !== null && this.status >= 500);
  }

  /** For a request that changes something: NFVCL may have done it (see `outcomeUnknown`). */
  get outcomeUnknown(): boolean {
    return outcomeUnknown(this.kind, this.status);
  }
}

/**
 * Whether a change NFVCL failed this way may have been made all the same: no answer in time, the connection lost, an
 * answer SMO could not read, or NFVCL (or a proxy before it) failing on its side. A refusal (4xx) made nothing.
 */
export function outcomeUnknown(kind: string, status: number | null): boolean {
  return kind === 'timeout' || kind === 'unreachable' || kind === 'invalid-answer' || (kind === 'refused' && status !== null && status >= 500);
}
