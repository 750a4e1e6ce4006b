/**
 * NfvclPort over NFVCL's REST API. Works with the 2024 NFVCL the original SMO used (answers at
 * once, day-2 routes on POST) and the current one (202 + `task_id`, day-2 routes on PUT).
 * GETs are idempotent and retried with backoff when NFVCL is unreachable, slow or failing on its
 * side; nothing else is retried, so a blueprint is never requested twice.
 */
import { serviceBaseUrl } from '../../shared/base-url';
import { Mutex } from '../../shared/mutex';
import { isPathSegment } from '../../shared/path-segment';
import { withRetry, type RetryPolicy } from '../../shared/retry';
import { blueprintIdOf, blueprintOf, integerOf, taskIdOf, taskStatusOf, topologyVimsOf } from './nfvcl-answers';
import { isRecord } from '../../shared/is-record';
import type { K8sAddNodeBody, K8sCreateBody, TopologyBody } from './nfvcl-bodies';
import { nfvclRequest, refusal, type NfvclRequest, type NfvclResponse } from './nfvcl-request';
import { scrubSecrets } from './nfvcl-secrets';
import { NfvclError, type NfvclAccepted, type NfvclBlueprint, type NfvclPort, type NfvclTaskStatus, type NfvclTopologyVim } from './nfvcl.port';

export interface NfvclHttpOptions {
  /** NFVCL_BASE_URL, e.g. `http://192.168.12.64:5002` (a sub-path is kept). */
  baseUrl: string;
  timeoutMs: number;
  /** Retries of GETs; defaults to 3 attempts from 200 ms. */
  retry?: RetryPolicy;
}

const BLUE = '/nfvcl/v2/api/blue';
/** NFVCL's answers are kept in events and shown to clients; a bigger one is summarised. */
const MAX_KEPT_ANSWER_BYTES = 64 * 1024;

export class NfvclHttpClient implements NfvclPort {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly topologyWrites = new Mutex();

  constructor(options: NfvclHttpOptions) {
    this.baseUrl = serviceBaseUrl(options.baseUrl, 'NFVCL');
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) throw new Error('NFVCL timeoutMs must be a positive number');
    this.timeoutMs = Math.ceil(options.timeoutMs);
    this.retry = options.retry ?? { attempts: 3, initialDelayMs: 200, maxDelayMs: 2000 };
  }

  async topologyVims(signal?: AbortSignal): Promise<NfvclTopologyVim[]> {
    const response = await this.get('/v1/topology', signal, { notFound: true, gone: noTopology });
    return response ? topologyVimsOf(response.body) : [];
  }

  async registerVim(body: TopologyBody, secrets: readonly string[]): Promise<NfvclAccepted> {
    // One registration at a time here: two first VIMs must not both find no topology and both post a whole one.
    return this.topologyWrites.run(async () => {
      // Current NFVCL's POST /v1/topology replaces the topology it has (every VIM, network and cluster entry): it is
      // sent only when NFVCL has none. The 2024 one refused it; a topology created meanwhile is refused the same way.
      const existing = await this.get('/v1/topology', undefined, { notFound: true, gone: noTopology, secrets });
      if (existing) return this.addToTopology(existing.body, body, secrets, null);
      try {
        return await this.send('POST', '/v1/topology', body, secrets);
      } catch (error) {
        if (!(error instanceof NfvclError && (error.status === 400 || error.status === 409))) throw error;
        const created = await this.get('/v1/topology', undefined, { notFound: true, gone: noTopology, secrets });
        if (!created) throw error;
        return this.addToTopology(created.body, body, secrets, error);
      }
    });
  }

  /**
   * Upstream could register only the first VIM: NFVCL keeps one topology. The VIM's networks the topology lacks
   * (`POST /v1/topology/network`) and the VIM (`POST /v1/topology/vim`) are added to it instead. `refusal`: NFVCL's
   * answer to the whole topology, the error when the VIM cannot be added.
   */
  private async addToTopology(topology: unknown, body: TopologyBody, secrets: readonly string[], refusal: NfvclError | null): Promise<NfvclAccepted> {
    const vim = body.vims[0]!;
    if (!isRecord(topology)) throw refusal ?? new NfvclError('invalid-answer', 200, 'NFVCL answered GET /v1/topology with something that is not a topology');
    const stored = (Array.isArray(topology.vims) ? topology.vims : []).filter(isRecord).find((known) => known.name === vim.name);
    // This very VIM, stored by a request whose answer was lost (a timeout, SMO stopped): registered, as asked.
    if (stored && isSameVim(stored, vim)) return { httpStatus: 200, mode: 'sync', taskId: null, blueprintId: null, body: { detail: `VIM ${vim.name} is in NFVCL's topology` } };
    if (stored) throw refusal ?? new NfvclError('refused', 409, `NFVCL's topology already has a VIM named ${vim.name}`);
    const networks = new Set((Array.isArray(topology.networks) ? topology.networks : []).filter(isRecord).map((network) => network.name));
    for (const network of body.networks.filter((n) => !networks.has(n.name))) await this.send('POST', '/v1/topology/network', network, secrets);
    return this.send('POST', '/v1/topology/vim', vim, secrets);
  }

  async deleteVim(name: string): Promise<NfvclAccepted | 'not-found'> {
    // `/v1/topology/vim/..` is `DELETE /v1/topology/`: NFVCL's whole topology. The routes refuse such names first.
    if (!isPathSegment(name)) throw new Error(`VIM name "${name}" cannot be a segment of NFVCL's path; not sent`);
    try {
      return await this.send('DELETE', `/v1/topology/vim/${encodeURIComponent(name)}`, undefined, [], { notFound: true });
    } catch (error) {
      // Current NFVCL answers the delete of a VIM it does not have with its generic 500 (a ValueError), not 404:
      // its topology tells whether the VIM is gone (then there was nothing to delete).
      if (!(error instanceof NfvclError && error.kind === 'refused' && (error.status ?? 0) >= 500)) throw error;
      if ((await this.topologyVims()).some((vim) => vim.name === name)) throw error;
      return 'not-found';
    }
  }

  createK8sBlueprint(body: K8sCreateBody): Promise<NfvclAccepted> {
    return this.send('POST', `${BLUE}/k8s`, body, []);
  }

  async addK8sNodes(blueprintId: string, body: K8sAddNodeBody): Promise<NfvclAccepted> {
    const path = `${BLUE}/k8s/add_node?blue_id=${encodeURIComponent(blueprintId)}`;
    try {
      return await this.send('POST', path, body, []);
    } catch (error) {
      // Current NFVCL exposes day-2 operations as PUT only; 405 means nothing was done.
      if (error instanceof NfvclError && error.status === 405) return this.send('PUT', path, body, []);
      throw error;
    }
  }

  deleteBlueprint(blueprintId: string): Promise<NfvclAccepted | 'not-found'> {
    return this.send('DELETE', `${BLUE}/${encodeURIComponent(blueprintId)}`, undefined, [], { notFound: true, gone: unknownBlueprint(blueprintId) });
  }

  async listBlueprints(signal?: AbortSignal): Promise<NfvclBlueprint[]> {
    const response = await this.get(`${BLUE}/?detailed=true`, signal);
    if (!Array.isArray(response?.body)) throw new NfvclError('invalid-answer', response?.status ?? null, 'NFVCL answered the blueprint list with something that is not a list');
    return response.body.map(blueprintOf).filter((blue): blue is NfvclBlueprint => blue !== null);
  }

  async getBlueprint(blueprintId: string, signal?: AbortSignal): Promise<NfvclBlueprint | null> {
    const response = await this.get(`${BLUE}/${encodeURIComponent(blueprintId)}?detailed=true`, signal, { notFound: true, gone: unknownBlueprint(blueprintId) });
    if (!response) return null;
    const blueprint = blueprintOf(response.body);
    if (!blueprint) throw new NfvclError('invalid-answer', response.status, `NFVCL answered blueprint ${blueprintId} with something that is not a blueprint`);
    return blueprint;
  }

  async taskStatus(taskId: string, signal?: AbortSignal): Promise<NfvclTaskStatus | null> {
    const response = await this.get(`/v2/utils/get_task_status?task_id=${encodeURIComponent(taskId)}`, signal, { notFound: true, gone: unknownTask });
    if (!response) return null;
    const status = taskStatusOf(scrubSecrets(response.body), taskId);
    if (!status) throw new NfvclError('invalid-answer', response.status, `NFVCL answered the status of task ${taskId} with something that is not a task status`);
    return status;
  }

  /** A GET, retried while NFVCL is unreachable or failing on its side; 404 (or an answer `gone` recognises) → null when `notFound`. */
  private async get(
    path: string,
    signal: AbortSignal | undefined,
    options: { notFound?: boolean; gone?: (response: NfvclResponse) => boolean; secrets?: readonly string[] } = {},
  ): Promise<NfvclResponse | null> {
    const request: NfvclRequest = { method: 'GET', url: this.baseUrl + path, timeoutMs: this.timeoutMs, secrets: options.secrets ?? [], ...(signal ? { signal } : {}) };
    // Only transient failures are retried; any other outcome (a 4xx, a bad answer) ends the attempts.
    const outcome = await withRetry(
      async (): Promise<{ response: NfvclResponse | null } | { error: unknown }> => {
        try {
          const response = await nfvclRequest(request);
          if (options.notFound && (response.status === 404 || options.gone?.(response))) return { response: null };
          if (response.status < 200 || response.status > 299) throw refusal(request, response);
          return { response };
        } catch (error) {
          if (error instanceof NfvclError && error.transient) throw error;
          return { error };
        }
      },
      this.retry,
      signal ? { signal } : {},
    );
    if ('error' in outcome) throw outcome.error;
    return outcome.response;
  }

  /** A request that changes something: sent once. 200/201 → answered at once, 202 → a task. */
  private send(method: 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, secrets: readonly string[]): Promise<NfvclAccepted>;
  private send(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    secrets: readonly string[],
    options: { notFound: true; gone?: (response: NfvclResponse) => boolean },
  ): Promise<NfvclAccepted | 'not-found'>;
  private async send(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    secrets: readonly string[],
    options: { notFound?: boolean; gone?: (response: NfvclResponse) => boolean } = {},
  ): Promise<NfvclAccepted | 'not-found'> {
    const request: NfvclRequest = { method, url: this.baseUrl + path, body, timeoutMs: this.timeoutMs, secrets };
    const response = await nfvclRequest(request);
    if (options.notFound && (response.status === 404 || options.gone?.(response))) return 'not-found';
    if (response.status < 200 || response.status > 299) throw refusal(request, response);
    const answer = scrubSecrets(response.body ?? null, secrets);
    const taskId = taskIdOf(answer);
    return {
      httpStatus: response.status,
      mode: response.status === 202 || taskId !== null ? 'async' : 'sync',
      taskId,
      blueprintId: blueprintIdOf(answer),
      body: kept(answer),
    };
  }
}

/**
 * Whether NFVCL's VIM is the one SMO asks to register: the same Keystone URL, user and password (knowing the password
 * is what makes it the caller's VIM), and the same areas. Fields NFVCL stores otherwise make it another VIM (refused).
 */
function isSameVim(stored: Record<string, unknown>, vim: TopologyBody['vims'][number]): boolean {
  const areas = Array.isArray(stored.areas) ? stored.areas.map(integerOf) : [];
  return (
    stored.vim_url === vim.vim_url &&
    stored.vim_user === vim.vim_user &&
    stored.vim_password === vim.vim_password &&
    areas.length === vim.areas.length &&
    vim.areas.every((area) => areas.includes(area))
  );
}

/**
 * Current NFVCL answers a task it does not know (it forgot its tasks when it restarted) with its generic error, 500
 * `{"error": "Task not found"}` (get_task_status raises ValueError), not 404: retried as a failure on NFVCL's side,
 * it kept the provisioning processor polling the task until the timeout instead of following the blueprint.
 */
function unknownTask(response: NfvclResponse): boolean {
  return response.status === 500 && isRecord(response.body) && response.body.error === 'Task not found';
}

/** Current NFVCL answers `GET /v1/topology` without a topology with 500 `{"detail": "No topology found"}` (the 2024 one: 404). */
function noTopology(response: NfvclResponse): boolean {
  return response.status === 500 && isRecord(response.body) && response.body.detail === 'No topology found';
}

/**
 * Current NFVCL answers a blueprint it does not have with `detail: "Blueprint <id> not found"`, not 404: 500 to a read
 * (NFVCLCoreException's default code), 400 `status: failed` to a delete. A read retried it and the provisioning waited
 * for the timeout; a delete answered 502 for ever.
 */
function unknownBlueprint(blueprintId: string): (response: NfvclResponse) => boolean {
  return (response) => (response.status === 400 || response.status === 500) && isRecord(response.body) && response.body.detail === `Blueprint ${blueprintId} not found`;
}

function kept(answer: unknown): unknown {
  const bytes = Buffer.byteLength(JSON.stringify(answer) ?? '');
  return bytes > MAX_KEPT_ANSWER_BYTES ? { truncated: true, bytes, task_id: taskIdOf(answer), blueprint_id: blueprintIdOf(answer) } : answer;
}
