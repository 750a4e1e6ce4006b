/**
 * A loopback stand-in for the parts of NFVCL's REST API that SMO uses (NFVCL needs OpenStack):
 * the topology and its VIMs, Kubernetes blueprints (create, add_node, delete, detailed list and
 * detail) and task polling. It speaks either API generation:
 * - `2024`: answers at once (200, no task id), day-2 routes on POST, `progressive_worker_number`;
 *   `POST /v1/topology` refuses a second topology;
 * - `current`: 202 + `task_id` for blueprint operations, day-2 routes on PUT (POST → 405),
 *   `GET /v2/utils/get_task_status`, `vm_workers`; `POST /v1/topology` replaces the topology there is.
 * A blueprint becomes ready after a number of polls (of it or its task), so tests need no clock.
 * Failures, delays and a failing provisioning can be injected; every request is logged, bodies
 * included (the fake is NFVCL: it is allowed to see the VIM password).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord } from '../../../src/shared/is-record';
import { FakeDelays, listenOnLoopback } from '../loopback-server';

export type NfvclApi = '2024' | 'current';

export interface FakeNfvclOptions {
  api?: NfvclApi;
  /** Polls of a blueprint (or of its task) before it is ready (default 2). */
  pollsUntilReady?: number;
  /** Whether `detail` names the new blueprint ("Blueprint ABC123 is being deployed..."); default true. */
  namesBlueprintInDetail?: boolean;
  /** Answer POST /v1/topology with the stored topology, password included (a worst case for leaks). */
  echoTopology?: boolean;
}

export interface LoggedNfvclRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
}

export interface FakeBlueprint {
  id: string;
  popArea: number;
  mgmtNet: string;
  serviceNet: string;
  workers: number;
  operation: 'deploying' | 'idle' | 'running-day2-op' | 'destroying';
  error: string | null;
  ticksLeft: number;
  failWith: string | null;
  createConfig: Record<string, unknown>;
  created: string;
}

interface FakeTask {
  id: string;
  blueprintId: string | null;
  /** Ticks left before the task is done; it follows its blueprint when it has one. */
  ticksLeft: number;
  error: string | null;
  result: unknown;
}

export interface RunningFakeNfvcl {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  stop(): Promise<void>;
  requests(): LoggedNfvclRequest[];
  /** The topology as NFVCL stores it (VIM passwords included), or null. */
  topology(): Record<string, unknown> | null;
  blueprints(): Map<string, FakeBlueprint>;
  /** A blueprint created outside SMO, ready at once (for the sync route). */
  addBlueprint(input: { id?: string; popArea: number; mgmtNet?: string; serviceNet?: string; workers?: number }): FakeBlueprint;
  removeBlueprint(id: string): void;
  /** Removes a VIM from the topology directly (as NFVCL's own tools would). */
  removeVim(name: string): void;
  /** The next `times` requests answer `status` with `body` (or `body(requestBody)`), applying nothing. */
  failNext(status: number, times?: number, body?: unknown | ((requestBody: unknown) => unknown)): void;
  /** The next request to `method path` answers `status` with `body` (or `body(requestBody)`), applying nothing. */
  failNextAt(method: string, path: string, status: number, body?: unknown | ((requestBody: unknown) => unknown)): void;
  /** The next `times` requests wait `ms` first. */
  delayNext(ms: number, times?: number): void;
  /** The next request to `method path` is applied (and logged) at once, its answer sent `ms` later: NFVCL has done it, the caller does not know yet. */
  delayAnswerTo(method: string, path: string, ms: number): void;
  /** The next blueprint created fails while deploying, with this message. */
  failNextProvisioning(message: string): void;
  /**
   * The next add_node (or blueprint delete) fails in NFVCL's worker, with this message, as nfvcl-ng's update_blueprint
   * (delete_blueprint) does: the request is accepted, nothing is added (deleted), the blueprint is left in error
   * (`status.error`, `detail`) and its task ends with `error` and the message as `exception`.
   */
  failNextDay2(message: string): void;
  failNextDeletion(message: string): void;
  /** The next blueprint delete is accepted and never finishes: the blueprint stays listed, `destroying`, as NFVCL's is while it destroys the VMs. */
  holdNextDeletion(): void;
  /** The next blueprint created never finishes deploying (nor does its task). */
  holdNextProvisioning(): void;
  /** Forgets every task (NFVCL restarted). */
  forgetTasks(): void;
}

interface Reply {
  status: number;
  body: unknown;
}

const MASTER_FLAVORS = { memory_mb: '4096', storage_gb: '32', vcpu_count: '4' };

export class FakeNfvcl {
  private topologyDoc: Record<string, unknown> | null = null;
  private readonly blues = new Map<string, FakeBlueprint>();
  private readonly tasks = new Map<string, FakeTask>();
  private readonly log: LoggedNfvclRequest[] = [];
  private readonly failures: { status: number; body: unknown }[] = [];
  private readonly failuresAt: { method: string; path: string; status: number; body: unknown }[] = [];
  private readonly delays: number[] = [];
  private readonly answerDelays: { method: string; path: string; ms: number }[] = [];
  private readonly pendingDelays = new FakeDelays();
  private nextFailure: string | null = null;
  private nextDay2Failure: string | null = null;
  private nextDeletionFailure: string | null = null;
  private holdNextDeletion = false;
  private holdNext = false;
  private counter = 0;

  private constructor(private readonly options: Required<FakeNfvclOptions>) {}

  static async start(options: FakeNfvclOptions = {}): Promise<RunningFakeNfvcl> {
    const fake = new FakeNfvcl({ api: 'current', pollsUntilReady: 2, namesBlueprintInDetail: true, echoTopology: false, ...options });
    const { url, close } = await listenOnLoopback((request, response) => void fake.handle(request, response));
    return {
      url,
      stop: async () => {
        fake.pendingDelays.clear();
        await close();
      },
      requests: () => [...fake.log],
      topology: () => (fake.topologyDoc ? structuredClone(fake.topologyDoc) : null),
      blueprints: () => new Map(fake.blues),
      addBlueprint: (input) => {
        const blue = fake.createBlueprint(input.popArea, input.mgmtNet ?? 'mgmt-net', input.serviceNet ?? 'service-net', input.workers ?? 1, input.id);
        blue.operation = 'idle';
        blue.ticksLeft = 0;
        return blue;
      },
      removeBlueprint: (id) => void fake.blues.delete(id),
      removeVim: (name) => {
        if (fake.topologyDoc) fake.topologyDoc.vims = fake.vims().filter((v) => v.name !== name);
      },
      failNext: (status, times = 1, body = { detail: 'injected failure' }) => {
        for (let i = 0; i < times; i += 1) fake.failures.push({ status, body });
      },
      failNextAt: (method, path, status, body = { detail: 'injected failure' }) => void fake.failuresAt.push({ method, path, status, body }),
      delayNext: (ms, times = 1) => {
        for (let i = 0; i < times; i += 1) fake.delays.push(ms);
      },
      delayAnswerTo: (method, path, ms) => void fake.answerDelays.push({ method, path, ms }),
      failNextProvisioning: (message) => {
        fake.nextFailure = message;
      },
      failNextDay2: (message) => {
        fake.nextDay2Failure = message;
      },
      failNextDeletion: (message) => {
        fake.nextDeletionFailure = message;
      },
      holdNextDeletion: () => {
        fake.holdNextDeletion = true;
      },
      holdNextProvisioning: () => {
        fake.holdNext = true;
      },
      forgetTasks: () => fake.tasks.clear(),
    };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const delay = this.delays.shift();
    if (delay !== undefined) await this.sleep(delay);
    const url = new URL(request.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const query = Object.fromEntries(url.searchParams);
    const body = await readBody(request);
    const reply = this.route(request.method ?? 'GET', path, query, body);
    this.log.push({ method: request.method ?? '', path, query, body, status: reply.status });
    const held = this.answerDelays.findIndex((d) => d.method === request.method && d.path === path);
    if (held >= 0) await this.sleep(this.answerDelays.splice(held, 1)[0]!.ms);
    if (response.destroyed) return; // the client gave up (timeout)
    response.writeHead(reply.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(reply.body));
  }

  private route(method: string, path: string, query: Record<string, string>, body: unknown): Reply {
    const at = this.failuresAt.findIndex((f) => f.method === method && f.path === path);
    const failure = at >= 0 ? this.failuresAt.splice(at, 1)[0] : this.failures.shift();
    if (failure) return { status: failure.status, body: typeof failure.body === 'function' ? (failure.body as (b: unknown) => unknown)(body) : failure.body };
    const vim = /^\/v1\/topology\/vim\/([^/]+)$/.exec(path);
    const blue = /^\/nfvcl\/v2\/api\/blue\/([^/]+)$/.exec(path);
    if (path === '/v1/topology' && method === 'GET') return this.topologyDoc ? { status: 200, body: this.topologyDoc } : this.noTopology();
    if (path === '/v1/topology' && method === 'POST') return this.createTopology(body);
    if (path === '/v1/topology' && method === 'DELETE') return (this.topologyDoc = null), { status: 200, body: { detail: 'Topology deleted' } };
    if (path === '/v1/topology/vim' && method === 'POST') return this.addVim(body);
    if (path === '/v1/topology/network' && method === 'POST') return this.addNetwork(body);
    if (vim?.[1] && method === 'GET') return this.getVim(decodeURIComponent(vim[1]));
    if (vim?.[1] && method === 'DELETE') return this.deleteVim(decodeURIComponent(vim[1]));
    if (path === '/v2/utils/get_task_status' && method === 'GET') return this.taskStatus(query.task_id ?? '');
    if (path === '/nfvcl/v2/api/blue' && method === 'GET') return { status: 200, body: [...this.blues.values()].map((b) => this.detailed(b)) };
    if (path === '/nfvcl/v2/api/blue/k8s' && method === 'POST') return this.createK8s(body);
    if (path === '/nfvcl/v2/api/blue/k8s/add_node') return this.addNode(method, query.blue_id ?? '', body);
    if (blue?.[1] && method === 'GET') return this.getBlueprint(decodeURIComponent(blue[1]));
    if (blue?.[1] && method === 'DELETE') return this.deleteBlueprint(decodeURIComponent(blue[1]));
    return notFound('Not Found');
  }

  private createTopology(body: unknown): Reply {
    if (!isRecord(body) || typeof body.id !== 'string' || !Array.isArray(body.vims) || !Array.isArray(body.networks)) {
      return { status: 422, body: { detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid topology', input: body }] } };
    }
    // 2024 (Topology.create) refuses a second topology; current NFVCL (TopologyManager.create_topology) replaces it.
    if (this.topologyDoc && this.options.api === '2024') return { status: 409, body: { detail: `Topology ${String(this.topologyDoc.id)} already exists` } };
    this.topologyDoc = structuredClone(body);
    if (this.options.echoTopology) return { status: 200, body: this.topologyDoc };
    return { status: 200, body: { status: 'ready', detail: 'Topology created', result: {}, task_id: null } };
  }

  /** Current NFVCL raises NFVCLCoreException("No topology found"), whose HTTP code defaults to 500. */
  private noTopology(): Reply {
    return this.options.api === 'current' ? { status: 500, body: { detail: 'No topology found' } } : notFound('Topology not found');
  }

  private addVim(body: unknown): Reply {
    if (!this.topologyDoc) return notFound('Topology not found');
    if (!isRecord(body) || typeof body.name !== 'string') return { status: 422, body: { detail: [{ loc: ['body', 'name'], msg: 'Field required', input: body }] } };
    if (this.vims().some((v) => v.name === body.name)) return { status: 409, body: { detail: `VIM ${body.name} already exists` } };
    (this.topologyDoc.vims as unknown[]).push(structuredClone(body));
    return { status: 200, body: { detail: `VIM ${body.name} added` } };
  }

  private addNetwork(body: unknown): Reply {
    if (!this.topologyDoc) return notFound('Topology not found');
    if (!isRecord(body) || typeof body.name !== 'string') return { status: 422, body: { detail: [{ loc: ['body', 'name'], msg: 'Field required', input: body }] } };
    const networks = this.topologyDoc.networks as Record<string, unknown>[];
    if (networks.some((n) => n.name === body.name)) return { status: 409, body: { detail: `Network ${body.name} already exists` } };
    networks.push(structuredClone(body));
    return { status: 200, body: { detail: `Network ${body.name} added` } };
  }

  private getVim(name: string): Reply {
    const found = this.vims().find((v) => v.name === name);
    return found ? { status: 200, body: found } : notFound(`VIM ${name} not found`);
  }

  private deleteVim(name: string): Reply {
    const vims = this.vims();
    if (!vims.some((v) => v.name === name)) {
      // Current NFVCL: TopologyModel.find_vim_index raises ValueError, answered 500 {error, status_code} (no topology: an AttributeError, also 500).
      if (this.options.api !== 'current') return notFound(`VIM ${name} not found`);
      return { status: 500, body: { error: this.topologyDoc ? `The VIM ->${name}<- was not found in the topology.` : "'NoneType' object has no attribute 'del_vim'", status_code: 500 } };
    }
    this.topologyDoc!.vims = vims.filter((v) => v.name !== name);
    return { status: 200, body: { detail: `VIM ${name} deleted` } };
  }

  private createK8s(body: unknown): Reply {
    const areas = isRecord(body) && Array.isArray(body.areas) ? body.areas.filter(isRecord) : [];
    const masters = areas.filter((area) => area.is_master_area === true);
    if (masters.length !== 1) return { status: 422, body: { detail: [{ loc: ['body', 'areas'], msg: 'Exactly one master area is required', input: body }] } };
    const master = masters[0]!;
    const areaId = master.area_id;
    if (typeof areaId !== 'number' || !this.vims().some((v) => Array.isArray(v.areas) && v.areas.includes(areaId))) {
      return { status: 400, body: { status: 'failed', detail: `No VIM serves area ${String(areaId)}`, result: {}, task_id: null } };
    }
    const additional = Array.isArray(master.additional_networks) ? master.additional_networks : [];
    const blueprint = this.createBlueprint(areaId, String(master.mgmt_net), String(additional[0] ?? ''), Number(master.worker_replicas ?? 1));
    blueprint.createConfig = { ...blueprint.createConfig, areas: structuredClone(areas) };
    if (this.nextFailure !== null) {
      blueprint.failWith = this.nextFailure;
      this.nextFailure = null;
    }
    if (this.holdNext) {
      blueprint.ticksLeft = Number.POSITIVE_INFINITY;
      this.holdNext = false;
    }
    const detail = this.options.namesBlueprintInDetail ? `Blueprint ${blueprint.id} is being deployed...` : 'Blueprint is being deployed...';
    return this.accepted(detail, blueprint.id, 'deploying');
  }

  private addNode(method: string, blueprintId: string, body: unknown): Reply {
    const wanted = this.options.api === '2024' ? 'POST' : 'PUT';
    if (method !== wanted) return { status: 405, body: { detail: 'Method Not Allowed' } };
    const blueprint = this.blues.get(blueprintId);
    if (!blueprint) return notFound(`Blueprint ${blueprintId} not found`);
    if (blueprint.operation !== 'idle' || blueprint.error) return { status: 400, body: { status: 'failed', detail: `Blueprint ${blueprintId} is busy or failed`, result: {}, task_id: null } };
    const areas = isRecord(body) && Array.isArray(body.areas) ? body.areas.filter(isRecord) : [];
    const added = areas.reduce((sum, area) => sum + (typeof area.worker_replicas === 'number' ? area.worker_replicas : 0), 0);
    if (added < 1 || areas.some((area) => area.is_master_area !== false)) {
      return { status: 422, body: { detail: [{ loc: ['body', 'areas'], msg: 'add_node needs non-master areas with worker_replicas', input: body }] } };
    }
    const failure = this.nextDay2Failure;
    this.nextDay2Failure = null;
    if (failure === null) blueprint.workers += added;
    else blueprint.error = failure;
    return this.accepted(`Blueprint ${blueprintId} day-2 operation add_node started`, blueprintId, 'running', true, failure);
  }

  private deleteBlueprint(blueprintId: string): Reply {
    const failure = this.nextDeletionFailure;
    const blueprint = this.blues.get(blueprintId);
    if (blueprint && failure !== null) {
      this.nextDeletionFailure = null;
      blueprint.error = failure;
      return this.accepted(`Blueprint ${blueprintId} is being destroyed`, null, 'destroying', true, failure);
    }
    if (blueprint && this.holdNextDeletion) {
      this.holdNextDeletion = false;
      blueprint.operation = 'destroying';
      return this.accepted(`Blueprint ${blueprintId} is being destroyed`, null, 'destroying');
    }
    if (!this.blues.delete(blueprintId)) {
      // Current NFVCL: delete_blueprint's pre-work callback answers `failed` (HTTP 400) with a task id.
      if (this.options.api !== 'current') return notFound(`Blueprint ${blueprintId} not found`);
      return { status: 400, body: { status: 'failed', detail: `Blueprint ${blueprintId} not found`, result: {}, task_id: randomUUID() } };
    }
    return this.accepted(`Blueprint ${blueprintId} is being destroyed`, null, 'destroying', true);
  }

  private getBlueprint(blueprintId: string): Reply {
    const blueprint = this.blues.get(blueprintId);
    // Current NFVCL: NFVCLCoreException("Blueprint … not found"), whose HTTP code defaults to 500.
    if (!blueprint) return this.options.api === 'current' ? { status: 500, body: { detail: `Blueprint ${blueprintId} not found` } } : notFound(`Blueprint ${blueprintId} not found`);
    this.tick(blueprint);
    return { status: 200, body: this.detailed(blueprint) };
  }

  private taskStatus(taskId: string): Reply {
    const task = this.tasks.get(taskId);
    // Current NFVCL raises ValueError("Task not found"), which its ExceptionMiddleware answers as 500 {error, status_code}.
    if (!task) return this.options.api === 'current' ? { status: 500, body: { error: 'Task not found', status_code: 500 } } : notFound(`Task ${taskId} not found`);
    const blueprint = task.blueprintId ? this.blues.get(task.blueprintId) : undefined;
    if (blueprint) {
      this.tick(blueprint);
      task.ticksLeft = blueprint.ticksLeft;
      task.error = blueprint.error;
    } else {
      task.ticksLeft = Math.max(0, task.ticksLeft - 1);
    }
    const done = task.ticksLeft <= 0;
    return {
      status: 200,
      body: {
        task_id: task.id,
        status: done ? 'done' : 'running',
        ...(done && !task.error ? { result: task.result } : {}),
        error: done && task.error !== null,
        ...(done && task.error ? { exception: task.error } : {}),
      },
    };
  }

  /** 2024: 200 at once; current: 202 and a task to poll (day-2 and delete tasks finish on the first poll, failing with `error`). */
  private accepted(detail: string, blueprintId: string | null, status: string, instant = false, error: string | null = null): Reply {
    if (this.options.api === '2024') return { status: 200, body: { status, detail, result: {} } };
    const task: FakeTask = { id: randomUUID(), blueprintId: instant ? null : blueprintId, ticksLeft: instant ? 1 : this.options.pollsUntilReady, error, result: blueprintId };
    this.tasks.set(task.id, task);
    return { status: 202, body: { status, detail, result: {}, task_id: task.id } };
  }

  private createBlueprint(popArea: number, mgmtNet: string, serviceNet: string, workers: number, id?: string): FakeBlueprint {
    this.counter += 1;
    const blueprint: FakeBlueprint = {
      id: id ?? `BLUE${String(this.counter).padStart(2, '0')}${randomUUID().slice(0, 4).toUpperCase()}`,
      popArea,
      mgmtNet,
      serviceNet,
      workers,
      operation: 'deploying',
      error: null,
      ticksLeft: this.options.pollsUntilReady,
      failWith: null,
      createConfig: { master_flavors: MASTER_FLAVORS, password: 'blueprint-node-password', cni: 'flannel' },
      created: new Date().toISOString(),
    };
    this.blues.set(blueprint.id, blueprint);
    return blueprint;
  }

  private tick(blueprint: FakeBlueprint): void {
    if (blueprint.operation !== 'deploying') return;
    blueprint.ticksLeft = Math.max(0, blueprint.ticksLeft - 1);
    if (blueprint.ticksLeft > 0) return;
    if (blueprint.failWith !== null) blueprint.error = blueprint.failWith;
    blueprint.operation = 'idle';
  }

  private detailed(blueprint: FakeBlueprint): Record<string, unknown> {
    const masterArea = { area_id: blueprint.popArea, is_master_area: true, mgmt_net: blueprint.mgmtNet, additional_networks: [blueprint.serviceNet], worker_replicas: blueprint.workers };
    const workers = Array.from({ length: blueprint.workers }, (_, i) => i + 1);
    const state =
      this.options.api === '2024'
        ? { master_area: { ...masterArea, service_net: blueprint.serviceNet }, progressive_worker_number: blueprint.workers }
        : { master_area: masterArea, worker_numbers: workers, vm_workers: workers.map((n) => ({ name: `${blueprint.id}_VM_W_${n}`, password: 'vm-password' })) };
    return {
      id: blueprint.id,
      type: 'K8sBlueprint',
      parent_blue_id: null,
      children_blue_ids: [],
      registered_resources: {},
      state_type: 'K8sBlueprintState',
      state,
      create_config: blueprint.createConfig,
      created: blueprint.created,
      corrupted: false,
      protected: false,
      status: { error: blueprint.error !== null, current_operation: blueprint.operation, detail: blueprint.error ?? '' },
      node_exporters: [],
      monitoring_state: {},
    };
  }

  private vims(): Record<string, unknown>[] {
    const vims = this.topologyDoc?.vims;
    return Array.isArray(vims) ? vims.filter(isRecord) : [];
  }

  private sleep(ms: number): Promise<void> {
    return this.pendingDelays.sleep(ms);
  }
}

function notFound(detail: string): Reply {
  return { status: 404, body: { detail } };
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
