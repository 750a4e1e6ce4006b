/** Reading NFVCL's answers: blueprint ids, task status, topology VIMs and blueprints (2024 and current shapes). */
import type { NfvclBlueprint, NfvclTaskStatus, NfvclTopologyVim } from './nfvcl.port';
import { isRecord } from '../../shared/is-record';

const BLUEPRINT_IN_DETAIL = /\bBlueprint\s+([A-Za-z0-9][A-Za-z0-9_-]{0,63})\b/;
const BLUEPRINT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const MAX_TEXT = 500;

type Json = Record<string, unknown>;

/**
 * The blueprint an answer names: upstream parsed the first token after `Blueprint ` in `detail`;
 * current NFVCL also puts it in `result` (a string, or an object with `id`) once a task is done.
 */
export function blueprintIdOf(answer: unknown): string | null {
  if (!isRecord(answer)) return null;
  const detail = answer.detail;
  if (typeof detail === 'string') {
    const match = BLUEPRINT_IN_DETAIL.exec(detail);
    if (match?.[1] && !/^(is|was|has|not)$/i.test(match[1])) return match[1];
  }
  return blueprintIdIn(answer.result);
}

/** A finished task's result: the blueprint id as a string, or an object carrying `id` / `blueprint_id`. */
export function blueprintIdIn(result: unknown): string | null {
  if (typeof result === 'string' && BLUEPRINT_ID.test(result)) return result;
  if (isRecord(result)) {
    for (const key of ['blueprint_id', 'blue_id', 'id']) {
      const value = result[key];
      if (typeof value === 'string' && BLUEPRINT_ID.test(value)) return value;
    }
  }
  return null;
}

export function taskIdOf(answer: unknown): string | null {
  if (!isRecord(answer)) return null;
  const id = answer.task_id;
  return typeof id === 'string' && id.trim() !== '' ? id : null;
}

/** `{task_id, status: "running"|"done", result?, error: bool, exception?}`; null when the shape is not that. */
export function taskStatusOf(answer: unknown, taskId: string): NfvclTaskStatus | null {
  if (!isRecord(answer) || typeof answer.status !== 'string') return null;
  const done = answer.status === 'done';
  const error = answer.error === true;
  const exception = answer.exception === undefined || answer.exception === null ? null : text(typeof answer.exception === 'string' ? answer.exception : JSON.stringify(answer.exception));
  return { taskId, done, error, result: answer.result ?? null, exception };
}

/** The VIMs of `GET /v1/topology`: only the fields SMO keeps (never `vim_password`). */
export function topologyVimsOf(topology: unknown): NfvclTopologyVim[] {
  if (!isRecord(topology) || !Array.isArray(topology.vims)) return [];
  return topology.vims.filter(isRecord).flatMap((vim): NfvclTopologyVim[] => {
    if (typeof vim.name !== 'string' || vim.name === '') return [];
    const config = isRecord(vim.config) ? vim.config : {};
    return [
      {
        name: vim.name,
        vimType: typeof vim.vim_type === 'string' ? vim.vim_type : null,
        vimUrl: typeof vim.vim_url === 'string' ? vim.vim_url : null,
        areas: Array.isArray(vim.areas) ? vim.areas.map(integerOf).filter((area): area is number => area !== null) : [],
        networks: Array.isArray(vim.networks) ? vim.networks.filter((n): n is string => typeof n === 'string') : [],
        useFloatingIp: config.use_floating_ip === true,
      },
    ];
  });
}

/** A detailed blueprint (`GET /nfvcl/v2/api/blue/{id}?detailed=true` or an entry of the detailed list). */
export function blueprintOf(blue: unknown): NfvclBlueprint | null {
  if (!isRecord(blue) || typeof blue.id !== 'string' || !BLUEPRINT_ID.test(blue.id)) return null;
  const state = isRecord(blue.state) ? blue.state : {};
  const master = isRecord(state.master_area) ? state.master_area : {};
  const createConfig = isRecord(blue.create_config) ? blue.create_config : {};
  const additional = Array.isArray(master.additional_networks) ? master.additional_networks : [];
  return {
    id: blue.id,
    type: typeof blue.type === 'string' ? blue.type : null,
    popArea: integerOf(master.area_id),
    mgmtNetwork: typeof master.mgmt_net === 'string' ? master.mgmt_net : null,
    serviceNetwork: typeof master.service_net === 'string' ? master.service_net : typeof additional[0] === 'string' ? additional[0] : null,
    masterFlavor: flavorOf(createConfig.master_flavors),
    workers: workersOf(state),
    requestedMaster: requestedMasterOf(createConfig.areas),
    ...phaseOf(blue.status),
  };
}

/** The sizes a flavor states (NFVCL's `master_flavors`). */
const FLAVOR_FIELDS = ['vcpu_count', 'memory_mb', 'storage_gb'] as const;

/**
 * `master_flavors` as SMO keeps it (in events, the read model, answers): its sizes only, each a number
 * or a string of at most 32 characters; null when it states none. Kept as NFVCL sent it, any other key
 * (a password, a token) went everywhere SMO keeps facts, unscrubbed, and a megabyte of it made the
 * cluster's event too large to append (the cluster stuck in Provisioning).
 */
function flavorOf(flavor: unknown): Partial<Record<(typeof FLAVOR_FIELDS)[number], string | number>> | null {
  if (!isRecord(flavor)) return null;
  const sizes = FLAVOR_FIELDS.flatMap((field) => {
    const value = flavor[field];
    return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= 32) ? [[field, value] as const] : [];
  });
  return sizes.length > 0 ? Object.fromEntries(sizes) : null;
}

/** The master area of `create_config.areas` (K8sCreateModel: `area_id`, `mgmt_net`, `additional_networks`, `worker_replicas`). */
function requestedMasterOf(areas: unknown): NfvclBlueprint['requestedMaster'] {
  const master = (Array.isArray(areas) ? areas : []).filter(isRecord).find((area) => area.is_master_area === true);
  if (!master) return null;
  const additional = Array.isArray(master.additional_networks) ? master.additional_networks : [];
  return {
    popArea: integerOf(master.area_id),
    mgmtNetwork: typeof master.mgmt_net === 'string' ? master.mgmt_net : null,
    serviceNetwork: typeof additional[0] === 'string' ? additional[0] : null,
    workerReplicas: integerOf(master.worker_replicas),
  };
}

/** Current NFVCL lists the worker VMs; the 2024 one had a counter (upstream read `progressive_worker_number`). */
function workersOf(state: Json): number | null {
  if (Array.isArray(state.vm_workers)) return state.vm_workers.length;
  if (Array.isArray(state.worker_numbers)) return state.worker_numbers.length;
  return integerOf(state.progressive_worker_number);
}

/** `status{error, current_operation: idle|deploying|running-day2-op|destroying, detail}`. */
function phaseOf(status: unknown): Pick<NfvclBlueprint, 'phase' | 'destroying' | 'detail'> {
  if (!isRecord(status)) return { phase: 'busy', destroying: false, detail: null };
  const detail = typeof status.detail === 'string' && status.detail !== '' ? text(status.detail) : null;
  const operation = typeof status.current_operation === 'string' ? status.current_operation.toLowerCase() : '';
  const destroying = operation === 'destroying';
  if (status.error === true) return { phase: 'error', destroying, detail };
  return { phase: operation === 'idle' || operation === '' ? 'ready' : 'busy', destroying, detail };
}

/** B15: an area may arrive as a number or as a string of digits. */
export function integerOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim())) return Number(value.trim());
  return null;
}

function text(value: string): string {
  return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
}
