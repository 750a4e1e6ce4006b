/**
 * The JSON bodies of the NFVCL routes, validated and documented by these classes. Messages name the
 * key and what is wrong, never the value sent (it may be a password).
 */
import type { FastifyRequest } from 'fastify';
import { ValidateBy } from 'class-validator';
import { isOffLimitsHost } from '../../shared/off-limits-host';
import { integerOf } from '../../integrations/nfvcl/nfvcl-answers';
import type { VimRegistration } from '../../integrations/nfvcl/nfvcl-bodies';
import type { Problem } from '../problem';
import { BooleanField, CustomField, IntegerField, NestedField, PatternField, TextField } from '../validation/fields';
import { inconsistent, RequestBodySchema } from '../validation/request-body';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

const MAX_TEXT = 255;
/** NFVCL deletes a VIM at `/v1/topology/vim/{name}`: a name ".." made that `DELETE /v1/topology/`, every VIM's topology. */
export const VIM_NAME_IN_PATH = 'must not be "." or ".." nor contain "/" (it names the VIM in NFVCL\'s paths)';
const MAX_WORKERS = 100;
const POP_AREA_TEXT = /^[0-9]{1,15}$/;
/** B15: the area, an integer; upstream clients may send it as a string of digits (it is stored as an integer). */
const PopAreaField = () =>
  CustomField({
    description: 'the NFVCL area: an integer (or, as upstream clients send it, a string of digits)',
    example: 0,
    schema: { oneOf: [{ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, { type: 'string', pattern: POP_AREA_TEXT.source }] },
    valid: (value) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) || (typeof value === 'string' && POP_AREA_TEXT.test(value)),
    message: 'must be a non-negative integer',
  });
const workers = { description: `workers (1 to ${MAX_WORKERS}; default 1)`, example: 1, optional: true, minimum: 1, maximum: MAX_WORKERS, message: `must be an integer from 1 to ${MAX_WORKERS}` };

@RequestBodySchema('VimNetwork', 'An OpenStack network of the VIM')
export class VimNetwork {
  @TextField({ description: 'the network name', example: 'mgmt-net', maxLength: MAX_TEXT })
  name!: string;

  @TextField({ description: 'its CIDR', example: '192.168.10.0/24', maxLength: MAX_TEXT })
  cidr!: string;

  @TextField({ description: 'its gateway', example: '192.168.10.1', maxLength: MAX_TEXT })
  gateway!: string;
}

@RequestBodySchema('VimRegistration', 'An OpenStack VIM to register with NFVCL (every key is required)')
export class VimRegistrationBody {
  @TextField({ description: "the NFVCL topology's id", example: 'nephele-topology', maxLength: MAX_TEXT })
  topology!: string;

  @PopAreaField()
  pop_area!: number | string;

  @TextField({ description: 'the VIM name (unique in SMO)', example: 'os-brussels', maxLength: MAX_TEXT, pathSegment: { message: VIM_NAME_IN_PATH } })
  vim_name!: string;

  @TextField({ description: 'the OpenStack project (tenant)', example: 'nephele', maxLength: MAX_TEXT })
  vim_tenant_name!: string;

  @TextField({ description: 'the OpenStack user', example: 'admin', maxLength: MAX_TEXT })
  vim_user!: string;

  @TextField({ description: 'the OpenStack password: sent to NFVCL only, in no event, read model, log line or error', example: '********', maxLength: MAX_TEXT, format: 'password' })
  vim_password!: string;

  @PatternField({
    description: 'the Keystone endpoint, http(s); not on a loopback, link-local (cloud metadata) or unspecified address',
    example: 'http://10.0.0.10:5000/v3',
    pattern: /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~/-]*)?$/,
    maxLength: MAX_TEXT,
    message: 'must be an http(s) URL (the Keystone endpoint)',
  })
  @ValidateBy({
    name: 'reachableVimHost',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !isOffLimitsHost(value),
      defaultMessage: () => 'must not be a loopback, link-local (cloud metadata) or unspecified address: NFVCL sends the VIM credentials there',
    },
  })
  vim_url!: string;

  @NestedField({ description: 'the management network', type: () => VimNetwork })
  mgmt_network!: VimNetwork;

  @NestedField({ description: 'the service network (another network than the management one)', type: () => VimNetwork })
  service_network!: VimNetwork;

  @BooleanField({ description: 'whether the VMs get floating IPs', example: true })
  use_floating_ip!: boolean;
}

@RequestBodySchema('ClusterRequest', 'A Kubernetes cluster to ask NFVCL for, on a registered VIM')
export class ClusterRequestBody {
  @PopAreaField()
  pop_area!: number | string;

  @TextField({ description: 'the registered VIM to build it on', example: 'os-brussels', maxLength: MAX_TEXT })
  vim_name!: string;

  @IntegerField(workers)
  worker_replicas?: number;
}

@RequestBodySchema('ScaleOut', 'How many workers to add (one without a body)')
export class ScaleOutBody {
  @IntegerField(workers)
  worker_replicas?: number;
}

/** What NFVCL needs to register the VIM, or 422 when the two networks are one. */
export function toVimRegistration(body: VimRegistrationBody): VimRegistration {
  if (body.mgmt_network.name === body.service_network.name) throw inconsistent([{ pointer: '/service_network/name', message: 'must differ from the management network' }]);
  return {
    topology: body.topology,
    popArea: Number(body.pop_area),
    vimName: body.vim_name,
    tenantName: body.vim_tenant_name,
    user: body.vim_user,
    password: body.vim_password,
    vimUrl: body.vim_url,
    mgmtNetwork: { name: body.mgmt_network.name, cidr: body.mgmt_network.cidr, gateway: body.mgmt_network.gateway },
    serviceNetwork: { name: body.service_network.name, cidr: body.service_network.cidr, gateway: body.service_network.gateway },
    useFloatingIp: body.use_floating_ip,
  };
}

/** B15: `pop_area` as a query parameter is text; it is read as an integer (a non-integer is refused, not "matches nothing"). */
export function parsePopAreaQuery(raw: unknown): Parsed<number | null> {
  if (raw === undefined) return { ok: true, value: null };
  const popArea = typeof raw === 'string' ? integerOf(raw) : null;
  if (popArea === null || popArea < 0) return { ok: false, problems: [{ pointer: '/pop_area', message: 'must be a non-negative integer' }] };
  return { ok: true, value: popArea };
}

/** The parsed JSON body, undefined when none was sent (a body of another media type was refused with 415 before: json-body.ts). */
export function jsonBodyOf(request: FastifyRequest): unknown {
  const body: unknown = request.body;
  return body === null ? undefined : body;
}
